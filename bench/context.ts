import type { Generator } from "./load/generator";
import type { Options } from "./options";
import type { Target, TargetName } from "./targets/target";
import type { Tokens } from "./targets/tokens";

export type Results = Record<string, Record<string, unknown>>;

// What every scenario gets: the options, the generators, the running targets, and where to put
// its figures (results[scenario][target]).
export interface Context {
  opts: Options;
  gens: Generator[];
  tokens: Tokens;
  targets: Target[];
  results: Results;
  log(message: string): void;
}

export function record(ctx: Context, scenario: string, target: TargetName, value: unknown): void {
  (ctx.results[scenario] ??= {})[target] = value;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Runs one target's part of a scenario; a failure is recorded as that target's result (the
// other targets go on) and returns false.
export async function guarded(ctx: Context, scenario: string, target: TargetName, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    ctx.log(`${scenario}: ${target} failed: ${message.split("\n")[0]}`);
    record(ctx, scenario, target, { error: message.slice(0, 2000) });
    return false;
  }
}
