// `make bench`: starts the targets, runs the scenarios against them with the same load
// generator (targets interleaved), prints the table and writes the JSON. Bounded: every phase
// has a deadline and the whole run a time limit (BENCH_TIMEOUT_MINUTES). docs/benchmarks.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Context, Results } from "./context";
import { Generator } from "./load/generator";
import { readOptions, type ScenarioName } from "./options";
import { machine } from "./report/machine";
import { renderTable } from "./report/table";
import { bigchat } from "./scenarios/bigchat";
import { idle } from "./scenarios/idle";
import { launch } from "./scenarios/launch";
import { ramp } from "./scenarios/ramp";
import { steady } from "./scenarios/steady";
import { closeSteadyPools } from "./scenarios/steady-pool";
import { store } from "./scenarios/store";
import { startAllInOneTarget } from "./targets/all-in-one";
import { NotBuilt, startCentrifuge } from "./targets/centrifuge";
import { startDistributed } from "./targets/distributed";
import type { Target, TargetName } from "./targets/target";
import { Tokens } from "./targets/tokens";
import { startWsBroadcast } from "./targets/ws-broadcast";

const errorText = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

const SCENARIOS: Record<ScenarioName, (ctx: Context) => Promise<void>> = { steady, ramp, idle, bigchat, launch, store };

const opts = readOptions();
const startedAt = new Date();
const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const results: Results = {};
const skipped: Record<string, string> = {};
const targets: Target[] = [];
const gens: Generator[] = [];
let tokens: Tokens | undefined;

async function startTarget(name: TargetName): Promise<Target> {
  const cpu = opts.serverCpu || undefined;
  if (name === "ws") return startWsBroadcast(cpu);
  if (name === "centrifuge") return startCentrifuge(cpu);
  if (name === "allinone") return startAllInOneTarget(tokens!, cpu);
  return startDistributed(tokens!);
}

let finished = false;
async function finish(reason?: string): Promise<void> {
  if (finished) return;
  finished = true;
  if (reason) log(reason);
  for (const g of gens) g.stop();
  await Promise.all(targets.map((t) => t.stop().catch((e) => log(`stopping ${t.name}: ${e}`))));
  await tokens?.close();
  const names = opts.targets;
  const table = renderTable(results, names, skipped);
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...(reason ? { aborted: reason } : {}),
    machine: machine(),
    options: opts,
    targets: Object.fromEntries(names.map((n) => [n, skipped[n] ? { skipped: skipped[n] } : { notes: targets.find((t) => t.name === n)?.notes }])),
    results,
  };
  mkdirSync(opts.outDir, { recursive: true });
  const file = join(opts.outDir, `bench-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  process.stdout.write(`\n${table}\n\nconditions: ${JSON.stringify(report.machine)}\nJSON: ${file}\n`);
}

async function main(): Promise<void> {
  log(`targets ${opts.targets.join(",")}; scenarios ${opts.scenarios.join(",")}${opts.quick ? " (quick)" : ""}`);
  tokens = await Tokens.start();
  for (let i = 0; i < opts.generators; i++) gens.push(Generator.start(i, opts.generatorCpu || undefined));
  for (const name of opts.targets) {
    log(`starting ${name}`);
    try {
      targets.push(await startTarget(name));
    } catch (e) {
      skipped[name] = e instanceof NotBuilt ? e.message : `did not start: ${String(e instanceof Error ? e.message : e).split("\n").slice(0, 3).join(" ")}`;
      log(`${name}: ${skipped[name]}`);
    }
  }
  const ctx: Context = { opts, gens, tokens, targets, results, log };
  for (const name of opts.scenarios) {
    if (name === "idle" || name === "bigchat") await closeSteadyPools(ctx);
    log(`scenario ${name}`);
    try {
      await SCENARIOS[name](ctx);
    } catch (e) {
      log(`scenario ${name} failed: ${errorText(e)}`);
      for (const t of targets) (results[name] ??= {})[t.name] ??= { error: errorText(e) };
    }
  }
}

const limitMs = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 25) * 60_000;
const limit = setTimeout(() => void finish(`time limit of ${limitMs / 60_000} minutes reached; partial results`).then(() => process.exit(1)), limitMs);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void finish(`interrupted (${sig})`).then(() => process.exit(130)));

try {
  await main();
  await finish();
} catch (e) {
  await finish(`failed: ${errorText(e)}`);
  process.exitCode = 1;
}
clearTimeout(limit);
process.exit();
