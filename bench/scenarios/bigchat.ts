import { guarded, record, sleep, type Context } from "../context";
import type { ConnSpec } from "../load/protocols/protocol";
import { measured, totalCpu } from "../measure";
import { processTree, sample } from "../stats/proc";
import { combine, median, violations } from "../phase";
import type { Target } from "../targets/target";

const SINGLE_MESSAGES = 5;
// Members are added through the API one request each; past this the chat is measured with the
// members it has by then (the table shows how many).
const CREATE_LIMIT_MS = 180_000;
// Server CPU below this share of a core over a window counts as settled.
const QUIET_SHARE = 0.1;
const QUIET_WINDOW_MS = 1000;
const SETTLE_LIMIT_MS = 90_000;

// A chat of 10,000 members with 1,000 online: connecting them (time, server CPU, background
// work after), one message to all of them (time to the last member), a burst of 100 messages
// from 100 members (deliveries per second). All on the first generator (one clock).
export async function bigchat(ctx: Context): Promise<void> {
  for (const t of ctx.targets) await guarded(ctx, "bigchat", t.name, () => bigchatOn(ctx, t));
}

async function bigchatOn(ctx: Context, t: Target): Promise<void> {
  const { bigChatMembers, bigChatOnline, burst } = ctx.opts;
  const gen = ctx.gens[0];
  const users = Array.from({ length: bigChatMembers }, (_, i) => `big-u${i}`);
  ctx.log(`bigchat: ${t.name} creating a chat of ${bigChatMembers} members`);
  const t0 = performance.now();
  const big = await t.createBigGroup("big", users, CREATE_LIMIT_MS);
  const group = big.id;
  const createSec = (performance.now() - t0) / 1000;
  await waitQuiet(t);
  const specs: ConnSpec[] = [];
  for (const user of users.slice(0, bigChatOnline)) specs.push({ user, token: await t.token(user), groups: [group] });
  const pool = `big-${t.name}`;
  const connect = await measured(t, [gen], () => gen.connect({ pool, protocol: t.protocol, url: t.wsUrl, specs, concurrency: 100 }));
  const settle = await waitQuiet(t);

  const single: number[] = [];
  let singleViolations = 0;
  for (let i = 0; i < SINGLE_MESSAGES; i++) {
    const p = combine([await gen.fire({ pool, sends: [{ user: users[0], group }], timeoutMs: 10_000 })]);
    if (p.deliveries >= bigChatOnline) single.push(p.lastMemberMs[0]);
    singleViolations += violations(p) + (p.acked === 1 ? 0 : 1);
    await sleep(200);
  }
  const sends = users.slice(0, Math.min(burst, bigChatOnline)).map((user) => ({ user, group }));
  const b = await measured(t, [gen], async () => combine([await gen.fire({ pool, sends, timeoutMs: 60_000 })]));
  // Disconnecting them should cost as little as connecting (work per online contact).
  const disconnect = await measured(t, [gen], () => gen.close(pool));
  const afterDisconnect = await waitQuiet(t);
  record(ctx, "bigchat", t.name, {
    members: big.members,
    online: connect.result.opened,
    connectFailed: connect.result.failed,
    createChatSec: createSec,
    connectSec: connect.result.ms / 1000,
    connectServerCpuSec: totalCpu(connect.cost),
    settleSec: settle.seconds,
    settleServerCpuSec: settle.cpuSec,
    disconnectSec: disconnect.cost.wallSec,
    disconnectServerCpuSec: totalCpu(disconnect.cost) + afterDisconnect.cpuSec,
    oneMessageLastMemberMs: median(single),
    oneMessageLastMemberMaxMs: single.length ? Math.max(...single) : undefined,
    oneMessageDelivered: `${single.length}/${SINGLE_MESSAGES}`,
    burstMessages: sends.length,
    burstAcked: b.result.acked,
    burstErrors: b.result.errors,
    burstDeliveries: b.result.deliveries,
    burstExpected: sends.length * bigChatOnline,
    burstSpanMs: b.result.spanMs,
    burstDeliveriesPerSec: b.result.spanMs > 0 ? (b.result.deliveries / b.result.spanMs) * 1000 : undefined,
    burstServerCpuSec: totalCpu(b.cost),
    violations: singleViolations + violations(b.result),
    correctness: b.result.correctness,
  });
  ctx.log(`bigchat: ${t.name} connect ${(connect.result.ms / 1000).toFixed(2)} s, one message ${median(single)?.toFixed(1)} ms, burst ${((b.result.deliveries / Math.max(1, b.result.spanMs)) * 1000).toFixed(0)} deliveries/s`);
}

// Waits until the target's processes use less than QUIET_SHARE of a core; returns how long that
// took and the CPU spent meanwhile (the background work a connect storm leaves behind).
async function waitQuiet(t: Target): Promise<{ seconds: number; cpuSec: number }> {
  const pids = processTree(Object.values(t.processes()).flat());
  const start = performance.now();
  const cpu0 = sample(pids).cpuSec;
  let prev = cpu0;
  for (;;) {
    await sleep(QUIET_WINDOW_MS);
    const now = sample(pids).cpuSec;
    const quiet = now - prev < (QUIET_SHARE * QUIET_WINDOW_MS) / 1000;
    prev = now;
    const elapsed = performance.now() - start;
    if (quiet || elapsed > SETTLE_LIMIT_MS) return { seconds: Math.max(0, elapsed - QUIET_WINDOW_MS) / 1000, cpuSec: now - cpu0 };
  }
}
