import { guarded, record, type Context } from "../context";
import { violations } from "../phase";
import { loadFigures, runLoad } from "./run-load";
import { steadyPool } from "./steady-pool";

const LIMIT_MS = 100;
const DRAIN_MS = 3000;
// A generator this busy may itself be what failed the step.
const GENERATOR_BOUND_PCT = 90;

// The highest rate whose p99 send→delivery stays under 100 ms, everything acked and delivered:
// rising steps on the steady population, targets interleaved per step; a target stops at its
// first failing step.
export async function ramp(ctx: Context): Promise<void> {
  const steps = new Map<string, Array<Record<string, unknown>>>(ctx.targets.map((t) => [t.name, []]));
  const best = new Map<string, number>();
  const failed = new Set<string>();
  const broken = new Set<string>();
  for (const rate of ctx.opts.rampRates) {
    for (const t of ctx.targets) {
      if (failed.has(t.name) || broken.has(t.name)) continue;
      const ok = await guarded(ctx, "ramp", t.name, async () => {
        const r = await runLoad(ctx, t, await steadyPool(ctx, t), rate, ctx.opts.rampStepSeconds * 1000, DRAIN_MS);
        const f = loadFigures(r.phase, r.cost);
        const pass = (f.deliveryP99 ?? Infinity) < LIMIT_MS && f.acked === f.sent && f.deliveries >= f.expectedDeliveries && violations(r.phase) === 0;
        steps.get(t.name)!.push({ rate, pass, deliveryP99: f.deliveryP99, ackP99: f.ackP99, sent: f.sent, acked: f.acked, errors: f.errors, generatorCpuPct: f.generatorCpuPct, serverCpuSec: f.serverCpuSec });
        ctx.log(`ramp ${rate} msg/s: ${t.name} p99 ${f.deliveryP99?.toFixed(1)} ms acked ${f.acked}/${f.sent} ${pass ? "pass" : "FAIL"} (generator ${f.generatorCpuPct.toFixed(0)} %)`);
        if (pass) best.set(t.name, rate);
        else failed.add(t.name);
      });
      if (!ok) broken.add(t.name);
    }
  }
  for (const t of ctx.targets) {
    if (broken.has(t.name)) continue;
    const list = steps.get(t.name)!;
    const last = list[list.length - 1];
    record(ctx, "ramp", t.name, {
      highestRate: best.get(t.name),
      // The top step passed: the real limit is higher than the bench asked for.
      atLeast: !failed.has(t.name),
      generatorBound: !!last && !last.pass && (last.generatorCpuPct as number) >= GENERATOR_BOUND_PCT,
      steps: list,
    });
  }
}
