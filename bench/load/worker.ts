import { performance } from "node:perf_hooks";
import { checkDeliveries, type Missing } from "../stats/correctness";
import type { Command, ConnectCommand, ConnectReply, FireCommand, LoadCommand, PhaseReply } from "./commands";
import { PROTOCOLS } from "./protocols";
import { Pool } from "./pool";
import { Recorder } from "./recorder";

// A load-generator process: holds connections, runs load phases and reports what it saw. The
// orchestrator (bench/run.ts) starts one or more of these pinned to their own core.

const STORE_CHECKS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pools = new Map<string, Pool>();
let recorder = new Recorder(() => 0);
let phase = 0;
const workerId = process.env.BENCH_WORKER_ID ?? "0";

const events = {
  onAck: (id: string, seq: number | undefined) => recorder.onAck(id, seq),
  onError: (id: string | undefined, code: string) => recorder.onError(id, code),
  onDelivery: (conn: string, group: string, id: string, seq: number) => recorder.onDelivery(conn, group, id, seq),
};

async function connect(cmd: ConnectCommand): Promise<ConnectReply> {
  const open = PROTOCOLS[cmd.protocol];
  const start = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  let opened = 0;
  const pool = pools.get(cmd.pool) ?? new Pool();
  pools.set(cmd.pool, pool);
  const lane = async () => {
    while (next < cmd.specs.length) {
      const spec = cmd.specs[next++];
      try {
        pool.add(await open(cmd.url, spec, events), spec.groups);
        opened++;
      } catch (e) {
        failed++;
        firstError ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, lane));
  return { ms: performance.now() - start, opened, failed, ...(firstError ? { firstError } : {}) };
}

function newPhase(pool: Pool): Recorder {
  phase++;
  recorder = new Recorder((g) => pool.membersOf(g));
  return recorder;
}

function poolOf(name: string): Pool {
  const pool = pools.get(name);
  if (!pool) throw new Error(`no connections in pool ${name}`);
  return pool;
}

async function load(cmd: LoadCommand): Promise<PhaseReply> {
  const pool = poolOf(cmd.pool);
  const rec = newPhase(pool);
  const senders = shuffle(pool.conns.filter((c) => (pool.groupsOf.get(c.user) ?? []).length > 0));
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = Math.min(performance.now() - start, cmd.durationMs);
      const due = Math.floor((cmd.rate * elapsed) / 1000);
      while (sent < due && senders.length > 0) {
        const conn = senders[sent % senders.length];
        const groups = pool.groupsOf.get(conn.user)!;
        const group = groups[Math.floor(sent / senders.length) % groups.length];
        const id = `w${workerId}-p${phase}-${sent}`;
        rec.sent(id, group);
        conn.send(group, id);
        sent++;
      }
      if (elapsed >= cmd.durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const deadline = performance.now() + cmd.drainMs;
  while (!rec.complete() && performance.now() < deadline) await sleep(20);
  return finish(pool, rec, start);
}

async function fire(cmd: FireCommand): Promise<PhaseReply> {
  const pool = poolOf(cmd.pool);
  const rec = newPhase(pool);
  const start = performance.now();
  cmd.sends.forEach((s, n) => {
    const id = `w${workerId}-p${phase}-${n}`;
    rec.sent(id, s.group);
    pool.byUser.get(s.user)?.send(s.group, id);
  });
  const deadline = performance.now() + cmd.timeoutMs;
  while (!rec.complete() && performance.now() < deadline) await sleep(2);
  return finish(pool, rec, start);
}

async function finish(pool: Pool, rec: Recorder, start: number): Promise<PhaseReply> {
  const check = checkDeliveries({ acked: rec.acked, members: pool.members, received: rec.received });
  const store = await checkStore(pool, check.missing, rec);
  let last = start;
  for (const t of rec.lastDeliveryAt.values()) last = Math.max(last, t);
  return {
    sent: rec.sentAt.size,
    acked: rec.acked.length,
    errors: Object.fromEntries(rec.errors),
    deliveries: rec.deliveries,
    expectedDeliveries: rec.expected,
    ackLatency: rec.ackLatency.toJSON(),
    deliveryLatency: rec.deliveryLatency.toJSON(),
    spanMs: last - start,
    lastMemberMs: [...rec.lastDeliveryAt.entries()].map(([id, t]) => t - rec.sentAt.get(id)!),
    duplicates: check.duplicates,
    outOfOrder: check.outOfOrder,
    missing: check.missing.length,
    ...store,
  };
}

// A message acked but not pushed to a member must at least be in the store (the member would
// get it by sync). Checked for a sample of the distinct missing messages, through a member's
// connection; servers without a store count them as lost.
async function checkStore(pool: Pool, missing: Missing[], rec: Recorder): Promise<{ missingInStore: number; missingLost: number; missingUnchecked: number }> {
  const distinct = [...new Map(missing.map((m) => [m.id, m])).values()];
  let inStore = 0;
  let lost = 0;
  for (const m of distinct.slice(0, STORE_CHECKS)) {
    const conn = pool.byUser.get(m.conn);
    const seq = rec.seqOf.get(m.id);
    if (!conn?.stored || seq === undefined) {
      lost++;
      continue;
    }
    try {
      if ((await conn.stored(m.group, seq)) === m.id) inStore++;
      else lost++;
    } catch {
      lost++;
    }
  }
  return { missingInStore: inStore, missingLost: lost, missingUnchecked: Math.max(0, distinct.length - STORE_CHECKS) };
}

async function close(cmd: { pool: string }): Promise<object> {
  const pool = pools.get(cmd.pool);
  pools.delete(cmd.pool);
  await Promise.all((pool?.conns ?? []).map((c) => c.close()));
  return {};
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

const handlers = { connect, load, fire, close } as Record<Command["type"], (cmd: any) => Promise<object>>;

// One command at a time, in order.
let queue = Promise.resolve();
process.on("message", (msg: { seq: number; cmd: Command }) => {
  queue = queue.then(async () => {
    try {
      process.send!({ seq: msg.seq, ok: true, reply: await handlers[msg.cmd.type](msg.cmd) });
    } catch (e) {
      process.send!({ seq: msg.seq, ok: false, error: String(e instanceof Error ? e.stack : e) });
    }
  });
});
process.on("disconnect", () => process.exit(0));
