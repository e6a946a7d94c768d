import { randomUUID } from "node:crypto";
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { loadConfig } from "@chat/config";
import { TOPICS } from "@chat/domain";
import type { EventLog } from "@chat/eventlog";
import { startIngest, type RunningIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry } from "@chat/observability";
import { ChatKind, ChatSchema, IngestService, MemberRole, MemberSchema, MessagePersistedSchema } from "@chat/proto";
import { GrpcRpcHost, serviceCredentialClient } from "@chat/rpc";
import type { Store } from "@chat/store";
import { until as pollUntil } from "./until";

// MISSION §4 guarantees, driven through ingest's real gRPC API on whichever adapters the caller
// passes (embedded in e2e, DynamoDB Local + Kafka in integration): an acknowledged send is
// published after an event-log outage, in per-chat order, and after an ingest restart.
// The outage is a decorator on the event-log port that refuses publish() while `down`.

export interface Adapters {
  // A store on the same backing data each time (a process restart opens a new one).
  openStore(): Promise<Store>;
  eventLog: EventLog;
}

export function outage(log: EventLog): { log: EventLog; down: boolean } {
  const state = { log: log, down: false };
  state.log = new Proxy(log, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver);
      if (prop === "publish") {
        return (...args: Parameters<EventLog["publish"]>) => (state.down ? Promise.reject(new Error("event log unavailable (test outage)")) : t.publish(...args));
      }
      // The embedded log shares its close() with the test; an ingest stopping must not close it.
      if (prop === "close") return async () => {};
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return state;
}

const SECRET = "republish-test-secret-0123456789";

async function ingestOn(store: Store, eventLog: EventLog): Promise<{ ingest: RunningIngest; send(chatId: string, n: number): Promise<bigint>; backlog(): Promise<{ value: number; up: number }> }> {
  const config = loadConfig({}, { CHAT_INGEST_GRPC_PORT: "0", CHAT_SERVICE_SECRET: SECRET, CHAT_LOG_LEVEL: "silent", CHAT_OUTBOX_INTERVAL_MS: "200" });
  const metrics = createMetricsRegistry("ingest", false);
  const ingest = await startIngest(config, {
    store,
    eventLog,
    rpc: new GrpcRpcHost("127.0.0.1", SECRET),
    logger: createLogger("ingest", "silent"),
    metrics,
  });
  const client = createClient(IngestService, createGrpcTransport({ baseUrl: ingest.address, interceptors: [serviceCredentialClient(SECRET)] }));
  return {
    ingest,
    async send(chatId, n) {
      const res = await client.persistMessage({ chatId, senderId: "alice", clientMessageId: `cm-${n}`, body: `message ${n}` });
      return res.message!.seq;
    },
    // The outbox backlog gauge as a scrape of ingest's /metrics reads it.
    async backlog() {
      const text = await metrics.metrics();
      const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);
      return { value: read("outbox_backlog"), up: read("outbox_backlog_up") };
    },
  };
}

async function newChat(store: Store): Promise<string> {
  const chatId = `chat-${randomUUID().slice(0, 12)}`;
  await store.createChat(
    create(ChatSchema, { chatId, kind: ChatKind.GROUP, title: "t", createdBy: "alice", createdAt: timestampFromMs(Date.now()) }),
    [create(MemberSchema, { chatId, userId: "alice", role: MemberRole.ADMIN, joinedAt: timestampFromMs(Date.now()) })],
    [],
  );
  return chatId;
}

// Every messages.persisted event of the given chats, in arrival order.
async function watch(eventLog: EventLog, chats: string[]) {
  const seen = new Map<string, bigint[]>(chats.map((c) => [c, []]));
  const sub = await eventLog.subscribe({
    groupId: `republish-${randomUUID().slice(0, 8)}`,
    topics: [TOPICS.messagesPersisted.name],
    fromBeginning: true,
    async handleBatch(batch) {
      for (const r of batch.records) {
        const m = fromBinary(MessagePersistedSchema, r.value).message!;
        seen.get(m.chatId)?.push(m.seq);
      }
    },
  });
  return {
    seen,
    total: () => [...seen.values()].reduce((n, l) => n + l.length, 0),
    stop: () => sub.stop(),
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

export function describeOutboxRepublish(name: string, adapters: () => Promise<Adapters & { cleanup(): Promise<void> }>): void {
  describe(`outbox republish (${name})`, () => {
    let a: Adapters & { cleanup(): Promise<void> };
    beforeAll(async () => {
      a = await adapters();
    });
    afterAll(async () => {
      await a?.cleanup();
    });

    test("sends are acknowledged during an event-log outage, and every event is published in per-chat order once it is back", async () => {
      const store = await a.openStore();
      const log = outage(a.eventLog);
      const { ingest, send, backlog } = await ingestOn(store, log.log);
      const chats = [await newChat(store), await newChat(store)];
      expect(await backlog()).toEqual({ value: 0, up: 1 });
      const events = await watch(a.eventLog, chats);
      try {
        log.down = true;
        const acked = await Promise.all(chats.map(async (c) => { const seqs = []; for (let i = 1; i <= 10; i++) seqs.push(await send(c, i)); return seqs; }));
        for (const seqs of acked) expect(seqs).toEqual(range(1, 10));
        // Nothing could be published: the events wait in the outbox, and the gauge says so.
        expect(events.total()).toBe(0);
        expect(await backlog()).toEqual({ value: 20, up: 1 });
        log.down = false;
        // New sends right after the recovery must not overtake the backlog.
        await Promise.all(chats.map(async (c) => { for (let i = 11; i <= 15; i++) await send(c, i); }));
        await until("all 30 events", () => events.total() >= 30);
        for (const c of chats) expect(events.seen.get(c)).toEqual(range(1, 15));
        await pollUntil(async () => (await backlog()).value === 0, 60_000, "the outbox backlog gauge back to 0");
      } finally {
        await events.stop();
        await ingest.stop();
        await store.close();
      }
    }, 120_000);

    test("events an ingest stored but never published are published by the next ingest", async () => {
      const first = await a.openStore();
      const dead = outage(a.eventLog);
      dead.down = true; // this ingest never gets anything out
      const one = await ingestOn(first, dead.log);
      const chat = await newChat(first);
      for (let i = 1; i <= 10; i++) expect(await one.send(chat, i)).toBe(BigInt(i));
      await one.ingest.stop(); // its last drain fails too: the events stay in the outbox
      await first.close();

      const events = await watch(a.eventLog, [chat]);
      const second = await a.openStore();
      const two = await ingestOn(second, outage(a.eventLog).log);
      try {
        await until("the 10 events", () => events.total() >= 10);
        expect(events.seen.get(chat)).toEqual(range(1, 10));
        // And the new ingest continues the chat where the old one stopped.
        expect(await two.send(chat, 11)).toBe(11n);
      } finally {
        await events.stop();
        await two.ingest.stop();
        await second.close();
      }
    }, 120_000);
  });
}
