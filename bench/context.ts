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

export function record(ctx: Context, scenario: string, target: TargetName | string, value: unknown): void {
  (ctx.results[scenario] ??= {})[target] = value;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
