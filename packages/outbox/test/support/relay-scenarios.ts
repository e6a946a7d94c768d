import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { MessageSchema } from "@chat/proto";
import type { EventLog, EventRecord } from "@chat/eventlog";
import { createLogger } from "@chat/observability";
import { OUTBOX_SHARDS, outboxShardOf, type OutboxEntry, type Store } from "@chat/store";
import { OutboxRelay } from "../../src";

// Relay scenarios run on the embedded adapters (unit project) and on DynamoDB Local + Kafka
// (integration project). The adapters are real; the only test device is a decorator on each
// port that counts calls and, for the event log, can play an outage.

export interface RelayTarget {
  store: Store;
  eventLog: EventLog;
  cleanup(): Promise<void>;
}

export interface Counted<T> {
  port: T;
  calls: Record<string, number>;
}

function counted<T extends object>(target: T, intercept?: (method: string) => void): Counted<T> {
  const calls: Record<string, number> = {};
  const port = new Proxy(target, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver);
      if (typeof v !== "function" || typeof prop !== "string") return v;
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        intercept?.(prop);
        return (v as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
  return { port, calls };
}

// An event log that refuses publications while `down` is set, as Kafka does during an outage.
export function switchableEventLog(log: EventLog): Counted<EventLog> & { down: boolean } {
  const state = { down: false };
  const c = counted(log, (method) => {
    if (method === "publish" && state.down) throw new Error("event log unavailable (test outage)");
  });
  return Object.defineProperty(c, "down", {
    get: () => state.down,
    set: (v: boolean) => (state.down = v),
  }) as Counted<EventLog> & { down: boolean };
}

export function countedStore(store: Store): Counted<Store> {
  return counted(store);
}

export const silentLogger = createLogger("relay-test", "silent");

export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// `chats` chats with `perChat` message events each, committed out of seq order (as several
// ingest replicas with skewed clocks would: some later seqs are older), all createdAt in the past.
export function backlog(topic: string, chats: number, perChat: number): OutboxEntry[] {
  const run = randomUUID().slice(0, 8);
  const out: OutboxEntry[] = [];
  const base = Date.now() - 60_000;
  for (let c = 0; c < chats; c++) {
    for (let s = 1; s <= perChat; s++) {
      // Pairs swapped: seq 2 is older than seq 1, 4 older than 3, ...
      const age = s % 2 === 0 ? s - 1 : s + 1;
      out.push({ id: randomUUID(), topic, key: `chat-${run}-${c}`, payload: new TextEncoder().encode(String(s)), createdAtMs: base + age, seq: BigInt(s) });
    }
  }
  return out;
}

// Writes entries the way services do: each in the same store step as a state change.
export async function writeOutbox(store: Store, entries: OutboxEntry[]): Promise<void> {
  const byKey = new Map<string, OutboxEntry[]>();
  for (const e of entries) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  // Entries go out in createdAt order per chat (older first), like the clocks that made them.
  await Promise.all(
    [...byKey.values()].map(async (list) => {
      for (const e of [...list].sort((a, b) => a.createdAtMs - b.createdAtMs)) {
        const m = create(MessageSchema, { chatId: e.key, seq: e.seq!, senderId: "u", clientMessageId: e.id, body: "b", messageId: e.id });
        await store.commitMessage(m, 60_000, [e]);
      }
    }),
  );
}

// Reads a topic from the beginning until `count` records arrived.
export async function readTopic(log: EventLog, topic: string, count: number): Promise<EventRecord[]> {
  const records: EventRecord[] = [];
  const sub = await log.subscribe({
    groupId: `relay-test-${randomUUID().slice(0, 8)}`,
    topics: [topic],
    fromBeginning: true,
    async handleBatch(batch) {
      records.push(...batch.records);
    },
  });
  try {
    await eventually(`${count} records on ${topic} (have ${records.length})`, () => records.length >= count);
  } finally {
    await sub.stop();
  }
  return records;
}

export function seqsByChat(records: EventRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of records) out.set(r.key, [...(out.get(r.key) ?? []), Number(new TextDecoder().decode(r.value))]);
  return out;
}

export function relay(store: Store, log: EventLog, owner: string, extra: Partial<ConstructorParameters<typeof OutboxRelay>[3]> = {}): OutboxRelay {
  return new OutboxRelay(store, log, silentLogger, { intervalMs: 1000, graceMs: 0, owner, ...extra });
}

// The scenarios. `target()` gives fresh adapters (an empty outbox is not required: assertions
// only look at this test's topic).
export function describeRelayScenarios(name: string, target: () => Promise<RelayTarget>): void {
  describe(`outbox relay on ${name}`, () => {
    let t: RelayTarget;
    beforeAll(async () => {
      t = await target();
    });
    afterAll(async () => {
      await t?.cleanup();
    });
    const topic = () => `relay-${randomUUID().slice(0, 12)}`;

    it("after an event-log outage drains thousands of entries in per-chat seq order with few requests", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 4 }]);
      const entries = backlog(name, 30, 100);
      await writeOutbox(t.store, entries);
      const log = switchableEventLog(t.eventLog);
      const store = countedStore(t.store);
      const r = relay(store.port, log.port, "relay-a", { batch: 500 });
      log.down = true;
      await r.drain(); // fails on every shard; nothing is lost
      expect(log.calls.publish).toBeGreaterThan(0);
      expect((await t.store.listOutbox(100_000)).filter((e) => e.topic === name)).toHaveLength(entries.length);
      log.down = false;
      log.calls.publish = 0;
      await r.drain();
      const records = await readTopic(t.eventLog, name, entries.length);
      const mine = records.filter((rec) => rec.topic === name);
      expect(mine).toHaveLength(entries.length);
      for (const seqs of seqsByChat(mine).values()) expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      // One publish per shard and round, one delete per shard and round: 8 shards, 375 entries
      // each on average, 500 per round. The old relay made one request per entry (3,000 each).
      expect(log.calls.publish).toBeLessThanOrEqual(16);
      expect(store.calls.deleteOutbox).toBeLessThanOrEqual(16);
      const left = (await t.store.listOutbox(100_000)).filter((e) => e.topic === name);
      expect(left).toEqual([]);
      await r.releaseLeases();
    }, 180_000);

    it("an event-log outage is logged at warn once when it starts and once when it ends, not per entry or round", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 4 }]);
      const entries = backlog(name, 5, 4);
      await writeOutbox(t.store, entries);
      const log = switchableEventLog(t.eventLog);
      const warnings: string[] = [];
      const capture = { write: (line: string) => void (JSON.parse(line).level === 40 && warnings.push(JSON.parse(line).msg as string)) };
      const r = new OutboxRelay(t.store, log.port, createLogger("relay-test", "warn", capture), { intervalMs: 1000, graceMs: 0, owner: "relay-warn" });
      log.down = true;
      for (const e of entries.slice(0, 5)) await r.publishNow(e);
      await r.drain();
      await r.drain();
      expect(warnings).toEqual(["event log (outbox publication) is failing"]);
      log.down = false;
      await r.drain();
      await r.drain();
      expect(warnings).toEqual(["event log (outbox publication) is failing", "event log (outbox publication) is reachable again"]);
      expect((await t.store.listOutbox(100_000)).filter((e) => e.topic === name)).toEqual([]);
      await r.releaseLeases();
    });

    it("two relays draining at once publish each entry once: one drainer per shard", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 4 }]);
      const entries = backlog(name, 16, 20);
      await writeOutbox(t.store, entries);
      const a = relay(t.store, t.eventLog, "relay-a", { batch: 50 });
      const b = relay(t.store, t.eventLog, "relay-b", { batch: 50 });
      await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
      await eventually("the outbox is empty", async () => {
        await Promise.all([a.drain(), b.drain()]);
        return (await t.store.listOutbox(100_000)).every((e) => e.topic !== name);
      });
      const records = (await readTopic(t.eventLog, name, entries.length)).filter((rec) => rec.topic === name);
      const ids = records.map((rec) => rec.headers["x-outbox-id"]);
      expect(new Set(ids).size).toBe(entries.length);
      expect(ids).toHaveLength(entries.length);
      await Promise.all([a.releaseLeases(), b.releaseLeases()]);
    }, 120_000);

    it("a send stored while the drain runs does not overtake the chat's backlog", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 2 }]);
      const [e1, e2, e3, e4] = backlog(name, 1, 4).map((e) => ({ ...e, createdAtMs: Date.now() - 10_000 }));
      const log = switchableEventLog(t.eventLog);
      let duringListing: (() => Promise<void>) | undefined;
      const store = new Proxy(t.store, {
        get(target, prop, receiver) {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (prop !== "listOutboxShard") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          return async (shard: number, limit: number) => {
            const listed = await target.listOutboxShard(shard, limit);
            if (shard !== outboxShardOf(e1.key)) return listed;
            const hook = duringListing;
            duringListing = undefined;
            await hook?.();
            return listed;
          };
        },
      });
      const r = relay(store, log.port, `relay-${randomUUID()}`);
      // The outage: e1's request-path publish fails, e2 waits behind it.
      log.down = true;
      await writeOutbox(t.store, [e1]);
      await r.publishNow(e1);
      await writeOutbox(t.store, [e2]);
      await r.publishNow(e2);
      log.down = false;
      // e3 is stored and handed to the relay right after the drain listed the shard.
      duringListing = async () => {
        await writeOutbox(t.store, [e3]);
        await r.publishNow(e3);
      };
      await r.drain();
      // e4 arrives after that drain: it must not go out before e3.
      await writeOutbox(t.store, [e4]);
      await r.publishNow(e4);
      await eventually("the outbox is empty", async () => {
        await r.drain();
        return (await t.store.listOutbox(100_000)).every((e) => e.topic !== name);
      });
      const records = (await readTopic(t.eventLog, name, 4)).filter((rec) => rec.topic === name);
      expect(records.map((rec) => new TextDecoder().decode(rec.value))).toEqual(["1", "2", "3", "4"]);
      await r.releaseLeases();
    }, 120_000);

    it("a stopped relay hands its shards over at once; a dead one after its lease expires", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 2 }]);
      const a = relay(t.store, t.eventLog, `relay-a-${randomUUID()}`, { leaseTtlMs: 1500 });
      const b = relay(t.store, t.eventLog, `relay-b-${randomUUID()}`, { leaseTtlMs: 1500 });
      await a.drain(); // a holds every shard
      const first = backlog(name, 4, 3);
      await writeOutbox(t.store, first);
      await b.drain(); // b may not drain: the leases are a's
      expect((await t.store.listOutbox(100_000)).filter((e) => e.topic === name)).toHaveLength(first.length);
      await a.releaseLeases(); // graceful stop
      await b.drain();
      expect((await t.store.listOutbox(100_000)).filter((e) => e.topic === name)).toEqual([]);
      // b now holds the leases and "dies" without releasing them; a takes over after expiry.
      const second = backlog(name, 4, 3);
      await writeOutbox(t.store, second);
      await a.drain();
      expect((await t.store.listOutbox(100_000)).filter((e) => e.topic === name)).toHaveLength(second.length);
      await eventually("a took over the expired leases", async () => {
        await a.drain();
        return (await t.store.listOutbox(100_000)).every((e) => e.topic !== name);
      });
      await readTopic(t.eventLog, name, first.length + second.length);
      await a.releaseLeases();
    }, 120_000);
    it("a healthy relay leaves the store alone between sweeps; what it left behind goes out at the next period", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 2 }]);
      const store = countedStore(t.store);
      const log = switchableEventLog(t.eventLog);
      const r = relay(store.port, log.port, `relay-idle-${randomUUID()}`, { intervalMs: 20, sweepMs: 600_000 });
      r.start();
      try {
        // The first period sweeps every shard once (what a previous run left).
        await eventually("the first sweep", () => (store.calls.acquireOutboxLease ?? 0) >= OUTBOX_SHARDS);
        await r.drain();
        const after = { ...store.calls };
        // Nothing left behind: 25 periods pass without a store request (a period used to lease
        // and list all 8 shards: 16 requests).
        await new Promise((res) => setTimeout(res, 500));
        expect(store.calls).toEqual(after);
        // A publication fails: its entries stay in the outbox, and the next period after the
        // event log is back drains them, long before the next sweep.
        const entries = backlog(name, 2, 3);
        await writeOutbox(t.store, entries);
        log.down = true;
        await r.publishMany(entries);
        log.down = false;
        await eventually("the entries left behind drained", async () => (await t.store.listOutbox(100_000)).every((e) => e.topic !== name), 30_000);
        expect(seqsByChat(await readTopic(t.eventLog, name, entries.length))).toEqual(new Map([...new Set(entries.map((e) => e.key))].map((k) => [k, [1, 2, 3]])));
      } finally {
        await r.stop();
        await r.releaseLeases();
      }
    }, 120_000);

    it("entries another replica left (it died between commit and publish) go out at the next sweep", async () => {
      const name = topic();
      await t.eventLog.ensureTopics([{ name, partitions: 2 }]);
      const r = relay(t.store, t.eventLog, `relay-sweep-${randomUUID()}`, { intervalMs: 20, sweepMs: 200 });
      r.start();
      try {
        await r.drain();
        const entries = backlog(name, 2, 3);
        await writeOutbox(t.store, entries);
        await eventually("the other replica's entries drained", async () => (await t.store.listOutbox(100_000)).every((e) => e.topic !== name));
        await readTopic(t.eventLog, name, entries.length);
      } finally {
        await r.stop();
        await r.releaseLeases();
      }
    }, 120_000);
  });
}
