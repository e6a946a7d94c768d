import type { TargetName } from "./targets/target";

export const ALL_TARGETS: TargetName[] = ["ws", "centrifuge", "allinone", "distributed"];
// In the order they run: idle first, on freshly started servers, so the RSS growth per
// connection is not hidden by a heap shrinking after the load scenarios.
export const ALL_SCENARIOS = ["idle", "steady", "ramp", "bigchat", "launch", "store"] as const;
export type ScenarioName = (typeof ALL_SCENARIOS)[number];

// Every knob of `make bench`, from BENCH_* variables (docs/benchmarks.md lists them).
export interface Options {
  targets: TargetName[];
  scenarios: ScenarioName[];
  quick: boolean;
  reps: number;
  steadySeconds: number;
  users: number;
  groupSize: number;
  ratePerUser: number;
  rampRates: number[];
  rampStepSeconds: number;
  idleConnections: number;
  bigChatMembers: number;
  bigChatOnline: number;
  burst: number;
  storeMessages: number;
  storeMaxSeconds: number;
  generators: number;
  // CPU lists for taskset ("" = no pinning).
  generatorCpu: string;
  serverCpu: string;
  outDir: string;
}

function list<T extends string>(name: string, all: readonly T[], fallback: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...fallback];
  const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!all.includes(i as T)) throw new Error(`${name}: unknown "${i}" (expected some of ${all.join(",")})`);
  return items as T[];
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got "${raw}"`);
  return n;
}

export function readOptions(): Options {
  const quick = process.env.BENCH_QUICK === "1";
  const rates = process.env.BENCH_RAMP_RATES ?? "250,500,1000,2000,4000,8000,16000,32000";
  return {
    targets: list("BENCH_TARGETS", ALL_TARGETS, ALL_TARGETS),
    scenarios: ALL_SCENARIOS.filter((s) => list("BENCH_SCENARIOS", ALL_SCENARIOS, ALL_SCENARIOS).includes(s)),
    quick,
    reps: num("BENCH_REPS", quick ? 1 : 3),
    steadySeconds: num("BENCH_STEADY_SECONDS", quick ? 8 : 15),
    users: num("BENCH_USERS", 1000),
    groupSize: num("BENCH_GROUP_SIZE", 5),
    ratePerUser: num("BENCH_RATE_PER_USER", 1),
    rampRates: rates.split(",").map(Number).filter((n) => n > 0),
    rampStepSeconds: num("BENCH_RAMP_STEP_SECONDS", quick ? 3 : 4),
    idleConnections: num("BENCH_IDLE_CONNECTIONS", quick ? 2000 : 10_000),
    bigChatMembers: num("BENCH_BIGCHAT_MEMBERS", 10_000),
    bigChatOnline: num("BENCH_BIGCHAT_ONLINE", 1000),
    burst: num("BENCH_BURST", 100),
    storeMessages: num("BENCH_STORE_MESSAGES", quick ? 100_000 : 1_000_000),
    storeMaxSeconds: num("BENCH_STORE_MAX_SECONDS", quick ? 60 : 180),
    generators: num("BENCH_GENERATORS", 1),
    generatorCpu: process.env.BENCH_GENERATOR_CPU ?? "0",
    serverCpu: process.env.BENCH_SERVER_CPU ?? "1",
    outDir: process.env.BENCH_OUT ?? ".bench-results",
  };
}
