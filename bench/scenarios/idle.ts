import { guarded, record, sleep, type Context } from "../context";
import { gatewayRss, measured, totalCpu } from "../measure";
import { scrapeHeap } from "../metrics";
import type { ConnSpec } from "../load/protocols/protocol";
import type { Target } from "../targets/target";

const SETTLE_MS = 3000;

// Memory per idle authenticated connection and the time to establish them: N connections of
// distinct users (in no group), the gateway's RSS before and after.
export async function idle(ctx: Context): Promise<void> {
  for (const t of ctx.targets) await guarded(ctx, "idle", t.name, () => idleOn(ctx, t));
}

async function idleOn(ctx: Context, t: Target): Promise<void> {
  const n = ctx.opts.idleConnections;
  const specs: ConnSpec[][] = ctx.gens.map(() => []);
  for (let i = 0; i < n; i++) specs[i % ctx.gens.length].push({ user: `idle-u${i}`, token: await t.token(`idle-u${i}`), groups: [] });
  const pool = `idle-${t.name}`;
  await sleep(SETTLE_MS);
  const rssBefore = gatewayRss(t);
  const heapBefore = await scrapeHeap(t);
  const { result, cost } = await measured(t, ctx.gens, () =>
    Promise.all(ctx.gens.map((g, i) => g.connect({ pool, protocol: t.protocol, url: t.wsUrl, specs: specs[i], concurrency: 100 }))),
  );
  await sleep(SETTLE_MS);
  const rssAfter = gatewayRss(t);
  const heapAfter = await scrapeHeap(t);
  const opened = result.reduce((a, r) => a + r.opened, 0);
  const failed = result.reduce((a, r) => a + r.failed, 0);
  const connectSec = Math.max(...result.map((r) => r.ms)) / 1000;
  await Promise.all(ctx.gens.map((g) => g.close(pool)));
  record(ctx, "idle", t.name, {
    connections: n,
    opened,
    failed,
    firstError: result.find((r) => r.firstError)?.firstError,
    connectSec,
    connectServerCpuSec: totalCpu(cost),
    // By process (distributed: gateway, the other services, Kafka, DynamoDB Local, Redis) and the
    // generator's own, to tell what a connect costs where.
    connectCpuByProcess: cost.server,
    connectGeneratorCpuSec: cost.generatorSec,
    rssBeforeMiB: rssBefore / 2 ** 20,
    rssAfterMiB: rssAfter / 2 ** 20,
    kibPerConnection: opened > 0 ? (rssAfter - rssBefore) / opened / 1024 : undefined,
    // The V8 heap's share (absent for peers without /metrics): RSS grows by more than the heap
    // (allocator, sockets' native state, a young generation grown by the connect burst).
    heapKibPerConnection: perConnectionKib(heapBefore, heapAfter, "nodejs_heap_size_used_bytes", opened),
    heapGrowthKib: Object.fromEntries(Object.keys(heapAfter).map((k) => [k, opened > 0 ? (heapAfter[k] - (heapBefore[k] ?? 0)) / 1024 : 0])),
  });
  ctx.log(`idle: ${t.name} ${opened}/${n} in ${connectSec.toFixed(2)} s, ${((rssAfter - rssBefore) / Math.max(1, opened) / 1024).toFixed(1)} KiB each`);
  await sleep(SETTLE_MS);
}

// The growth of one gauge (summed over its labels) per connection.
function perConnectionKib(before: Record<string, number>, after: Record<string, number>, name: string, opened: number): number | undefined {
  const sum = (m: Record<string, number>) => Object.entries(m).reduce((a, [k, v]) => (k === name || k.startsWith(`${name}{`) ? a + v : a), 0);
  return opened === 0 || !Object.keys(after).some((k) => k.startsWith(name)) ? undefined : (sum(after) - sum(before)) / opened / 1024;
}
