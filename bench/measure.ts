import { performance } from "node:perf_hooks";
import type { Generator } from "./load/generator";
import { processTree, sample } from "./stats/proc";
import type { Target } from "./targets/target";

// CPU-seconds spent while a function ran: by each of the target's roles (the Node services or
// the peer, and each piece of infrastructure) and by the load generators, read from /proc.
export interface Cost {
  wallSec: number;
  // role -> CPU-seconds
  server: Record<string, number>;
  generatorSec: number;
}

export async function measured<T>(target: Target, gens: Generator[], fn: () => Promise<T>): Promise<{ result: T; cost: Cost }> {
  const roles = Object.entries(target.processes()).map(([role, roots]) => [role, processTree(roots)] as const);
  const genPids = gens.map((g) => g.pid);
  const before = roles.map(([, pids]) => sample(pids).cpuSec);
  const genBefore = sample(genPids).cpuSec;
  const t0 = performance.now();
  const result = await fn();
  const wallSec = (performance.now() - t0) / 1000;
  const server: Record<string, number> = {};
  roles.forEach(([role, pids], i) => (server[role] = sample(pids).cpuSec - before[i]));
  return { result, cost: { wallSec, server, generatorSec: sample(genPids).cpuSec - genBefore } };
}

export function totalCpu(cost: Cost): number {
  return Object.values(cost.server).reduce((a, b) => a + b, 0);
}

// Resident memory of the target's connection-holding processes (bytes).
export function gatewayRss(target: Target): number {
  return sample(processTree(target.gatewayPids())).rssBytes;
}
