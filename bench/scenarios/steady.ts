import { guarded, record, type Context } from "../context";
import type { Cost } from "../measure";
import { combine, violations, type Phase } from "../phase";
import { Histogram } from "../stats/histogram";
import { loadFigures, runLoad } from "./run-load";
import { steadyPool } from "./steady-pool";

const WARMUP_MS = 3000;
// Longer than the gateway → ingest deadline (5 s), so every send is answered one way or the other.
const DRAIN_MS = 8000;

// 1,000 users in 200 groups of 5, each sending 1 msg/s: latencies, deliveries per server
// CPU-second, correctness. Repetitions interleave the targets (A B C D, A B C D, ...).
export async function steady(ctx: Context): Promise<void> {
  const { users, ratePerUser, steadySeconds, reps } = ctx.opts;
  const rate = users * ratePerUser;
  const runs = new Map<string, Array<{ phase: Phase; cost: Cost; requestsPerMessage: Record<string, number> }>>();
  for (const t of ctx.targets) {
    await guarded(ctx, "steady", t.name, async () => {
      const sp = await steadyPool(ctx, t);
      ctx.log(`steady: ${t.name} warm-up`);
      await runLoad(ctx, t, sp, rate, WARMUP_MS, DRAIN_MS);
      runs.set(t.name, []);
    });
  }
  for (let rep = 1; rep <= reps; rep++) {
    for (const t of ctx.targets) {
      if (!runs.has(t.name)) continue;
      const ok = await guarded(ctx, "steady", t.name, async () => {
        const r = await runLoad(ctx, t, await steadyPool(ctx, t), rate, steadySeconds * 1000, DRAIN_MS);
        runs.get(t.name)!.push(r);
        const f = loadFigures(r.phase, r.cost);
        ctx.log(`steady rep ${rep}: ${t.name} delivery p99 ${f.deliveryP99?.toFixed(1)} ms, ${f.deliveriesPerServerCpuSec?.toFixed(0)} deliveries/CPU-s, generator ${f.generatorCpuPct.toFixed(0)} %`);
      });
      if (!ok) runs.delete(t.name);
    }
  }
  for (const t of ctx.targets) {
    const list = runs.get(t.name);
    if (!list) continue;
    // All repetitions together: histograms merged, deliveries and CPU summed.
    const all = combine([]);
    all.ack = list.reduce((h, r) => h.merge(r.phase.ack), new Histogram());
    all.delivery = list.reduce((h, r) => h.merge(r.phase.delivery), new Histogram());
    for (const r of list) {
      all.sent += r.phase.sent;
      all.acked += r.phase.acked;
      all.deliveries += r.phase.deliveries;
      all.expectedDeliveries += r.phase.expectedDeliveries;
      for (const [k, v] of Object.entries(r.phase.errors)) all.errors[k] = (all.errors[k] ?? 0) + v;
      for (const k of Object.keys(all.correctness) as Array<keyof Phase["correctness"]>) all.correctness[k] += r.phase.correctness[k];
    }
    const cost: Cost = { wallSec: 0, server: {}, generatorSec: 0 };
    for (const r of list) {
      cost.wallSec += r.cost.wallSec;
      cost.generatorSec += r.cost.generatorSec;
      for (const [k, v] of Object.entries(r.cost.server)) cost.server[k] = (cost.server[k] ?? 0) + v;
    }
    record(ctx, "steady", t.name, {
      rate,
      seconds: steadySeconds,
      reps,
      ...loadFigures(all, cost),
      violations: violations(all),
      requestsPerMessage: averageOf(list.map((r) => r.requestsPerMessage)),
      perRep: list.map((r) => ({ ...loadFigures(r.phase, r.cost), requestsPerMessage: r.requestsPerMessage })),
    });
  }
}

function averageOf(xs: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v / xs.length;
  return out;
}
