import type { Context } from "../context";
import { groupPopulation } from "../population";
import type { Target } from "../targets/target";

// The steady-load population (1,000 users in groups of 5 by default), connected once per target
// and shared by the steady and ramp scenarios. Each generator gets whole groups.
export interface SteadyPool {
  pool: string;
  // Share of the users on each generator (sums to 1).
  shares: number[];
}

const pools = new Map<string, SteadyPool>();

export async function steadyPool(ctx: Context, target: Target): Promise<SteadyPool> {
  const have = pools.get(target.name);
  if (have) return have;
  const { users, groupSize } = ctx.opts;
  const parts = await groupPopulation(target, `st-${target.name}`, users, groupSize, ctx.gens.length);
  const pool = `steady-${target.name}`;
  const replies = await Promise.all(ctx.gens.map((g, i) => g.connect({ pool, protocol: target.protocol, url: target.wsUrl, specs: parts[i], concurrency: 50 })));
  const failed = replies.reduce((a, r) => a + r.failed, 0);
  if (failed > 0) throw new Error(`${failed} of ${users} steady connections failed: ${replies.find((r) => r.firstError)?.firstError}`);
  const sp = { pool, shares: parts.map((p) => p.length / users) };
  pools.set(target.name, sp);
  return sp;
}

export async function closeSteadyPools(ctx: Context): Promise<void> {
  for (const [name, sp] of pools) {
    await Promise.all(ctx.gens.map((g) => g.close(sp.pool)));
    pools.delete(name);
  }
}
