import type { Context } from "../context";
import { measured, totalCpu, type Cost } from "../measure";
import { perMessage, scrapeCounters } from "../metrics";
import { combine, type Phase } from "../phase";
import type { Target } from "../targets/target";
import type { SteadyPool } from "./steady-pool";

// One open-loop load phase at `rate` msg/s in all, split over the generators by their users.
// Also the write path's requests per acked message, from the services' counters.
export async function runLoad(ctx: Context, target: Target, sp: SteadyPool, rate: number, durationMs: number, drainMs: number): Promise<{ phase: Phase; cost: Cost; requestsPerMessage: Record<string, number> }> {
  const before = await scrapeCounters(target);
  const { result, cost } = await measured(target, ctx.gens, () =>
    Promise.all(ctx.gens.map((g, i) => g.load({ pool: sp.pool, rate: rate * sp.shares[i], durationMs, drainMs }))),
  );
  const phase = combine(result);
  return { phase, cost, requestsPerMessage: perMessage(before, await scrapeCounters(target), phase.acked) };
}

// The figures of a load phase that every scenario reports the same way.
export function loadFigures(phase: Phase, cost: Cost) {
  const serverCpu = totalCpu(cost);
  const nodeCpu = cost.server.server ?? 0;
  return {
    sent: phase.sent,
    acked: phase.acked,
    errors: phase.errors,
    deliveries: phase.deliveries,
    expectedDeliveries: phase.expectedDeliveries,
    ackP50: phase.ack.quantile(0.5),
    ackP99: phase.ack.quantile(0.99),
    deliveryP50: phase.delivery.quantile(0.5),
    deliveryP99: phase.delivery.quantile(0.99),
    deliveryMax: phase.delivery.maxMs,
    wallSec: cost.wallSec,
    serverCpuSec: cost.server,
    deliveriesPerServerCpuSec: serverCpu > 0 ? phase.deliveries / serverCpu : undefined,
    deliveriesPerNodeCpuSec: nodeCpu > 0 ? phase.deliveries / nodeCpu : undefined,
    nodeCpuUsPerDelivery: phase.deliveries > 0 ? (nodeCpu * 1e6) / phase.deliveries : undefined,
    generatorCpuPct: (cost.generatorSec / cost.wallSec) * 100,
    correctness: phase.correctness,
  };
}
