import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { isTraceparent, partitionFor, TOPICS } from "@chat/domain";
import { createKafkaEventLog } from "@chat/eventlog/kafka";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatKind, ChatMgmtService, GatewayDeliveryService, IngestService } from "@chat/proto";
import { createRedisPresence } from "@chat/presence/redis";
import { WsClient } from "../e2e/support/ws-client";
import { requestWithRetry, sendWithRetry } from "../support/send-with-retry";
import { Cluster, freePort, waitUntil, type ServiceProcess } from "./support/cluster";

// Distributed mode end to end: ingest, chatmgmt, two fanout replicas (one consumer group) and
// two gateway replicas as separate OS processes on real Kafka, DynamoDB Local and Redis.
const cluster = new Cluster();
let gw1Url: string;
let gw2Url: string;
let apiUrl: string;
let fanoutA: ServiceProcess;
let fanoutB: ServiceProcess;
let gateway2: ServiceProcess;
let internal: { ingest: string; gateway: string };
const clients: WsClient[] = [];

async function connect(user: string, url: string): Promise<WsClient> {
  const c = await WsClient.connect(url, await cluster.token(user));
  clients.push(c);
  return c;
}

async function createGroup(owner: string, members: string[]): Promise<string> {
  const bearer = await cluster.token(owner);
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${bearer}`);
    return next(req);
  };
  const api = createClient(ChatMgmtService, createConnectTransport({ baseUrl: apiUrl, httpVersion: "1.1", interceptors: [auth] }));
  return (await api.createChat({ kind: ChatKind.GROUP, title: "dist", memberIds: members })).chat!.chatId;
}

const seqs = (c: WsClient, chatId: string) => c.frames.filter((f) => f.message?.chatId === chatId).map((f) => Number(f.message.seq));
const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

async function syncAll(c: WsClient, chatId: string): Promise<number[]> {
  const out: number[] = [];
  let after = "0";
  for (;;) {
    const r = await requestWithRetry(c, { sync: { chatId, afterSeq: after, limit: 100 } });
    out.push(...r.syncResult.messages.map((m: { seq: string }) => Number(m.seq)));
    if (!r.syncResult.hasMore) return out;
    after = r.syncResult.nextAfterSeq;
  }
}

beforeAll(async () => {
  await cluster.start();
  const [ingestGrpc, ingestHttp, cmHttp, cmGrpc, faHttp, fbHttp, g1, g1grpc, g2, g2grpc] = await Promise.all(Array.from({ length: 10 }, freePort));
  await cluster.spawn("ingest", "ingest", { CHAT_INGEST_GRPC_PORT: String(ingestGrpc), CHAT_INGEST_HTTP_PORT: String(ingestHttp) }, ingestHttp);
  await cluster.spawn("chatmgmt", "chatmgmt", { CHAT_CHATMGMT_PORT: String(cmHttp), CHAT_CHATMGMT_GRPC_PORT: String(cmGrpc) }, cmHttp);
  const ingestAddress = `http://127.0.0.1:${ingestGrpc}`;
  await cluster.spawn("gateway", "gateway-1", { CHAT_GATEWAY_ID: "gw1", CHAT_GATEWAY_PORT: String(g1), CHAT_GATEWAY_GRPC_PORT: String(g1grpc), CHAT_INGEST_ADDRESS: ingestAddress }, g1);
  gateway2 = await cluster.spawn("gateway", "gateway-2", { CHAT_GATEWAY_ID: "gw2", CHAT_GATEWAY_PORT: String(g2), CHAT_GATEWAY_GRPC_PORT: String(g2grpc), CHAT_INGEST_ADDRESS: ingestAddress }, g2);
  [fanoutA, fanoutB] = await Promise.all([
    cluster.spawn("fanout", "fanout-a", { CHAT_FANOUT_HTTP_PORT: String(faHttp) }, faHttp),
    cluster.spawn("fanout", "fanout-b", { CHAT_FANOUT_HTTP_PORT: String(fbHttp) }, fbHttp),
  ]);
  // Both replicas own partitions of messages.persisted before traffic starts.
  const owns = async (p: ServiceProcess) => (((await (await fetch(p.readyUrl)).json()) as { assignment?: Record<string, number[]> }).assignment?.["messages.persisted"]?.length ?? 0) > 0;
  await waitUntil(async () => (await owns(fanoutA)) && (await owns(fanoutB)), 60_000, "both fanout replicas to own partitions");
  internal = { ingest: ingestAddress, gateway: `http://127.0.0.1:${g1grpc}` };
  gw1Url = `ws://127.0.0.1:${g1}/ws/v1`;
  gw2Url = `ws://127.0.0.1:${g2}/ws/v1`;
  apiUrl = `http://127.0.0.1:${cmHttp}`;
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await cluster.stop();
});

test("users on different gateways chat; every connection gets every message once, in seq order", async () => {
  const chatId = await createGroup("alice", ["bob", "carol"]);
  const alice = await connect("alice", gw1Url);
  const bob = await connect("bob", gw2Url);
  const carolOn1 = await connect("carol", gw1Url);
  const carolOn2 = await connect("carol", gw2Url);

  for (let i = 1; i <= 15; i++) {
    const sender = i % 3 === 0 ? bob : alice;
    await sendWithRetry(sender, { chatId, clientMessageId: `d-${i}`, body: `msg ${i}` });
  }
  const all = Array.from({ length: 15 }, (_, i) => i + 1);
  for (const c of [alice, bob, carolOn1, carolOn2]) {
    await c.messages(chatId, 15, 30_000);
    expect(seqs(c, chatId)).toEqual(all);
  }

  // The events on Kafka are keyed by chat id, on partitionFor(chat id), with W3C trace context.
  const log = createKafkaEventLog({ brokers: cluster.processes[0].env.CHAT_KAFKA_BROKERS.split(","), clientId: `inspect-${cluster.runId}` });
  const seen: Array<{ key: string; partition: number; traceparent?: string }> = [];
  const sub = await log.subscribe({
    groupId: `inspect-${cluster.runId}`,
    topics: [TOPICS.messagesPersisted.name],
    fromBeginning: true,
    handleBatch: async (batch) => {
      for (const r of batch.records) if (r.key === chatId) seen.push({ key: r.key, partition: r.partition, traceparent: r.headers.traceparent });
    },
  });
  try {
    await waitUntil(() => seen.length >= 15, 30_000, "this chat's 15 events on Kafka");
  } finally {
    await sub.stop();
    await log.close();
  }
  expect(new Set(seen.map((r) => r.partition))).toEqual(new Set([partitionFor(chatId, TOPICS.messagesPersisted.partitions)]));
  expect(seen.every((r) => isTraceparent(r.traceparent))).toBe(true);
  expect(new Set(seen.map((r) => r.traceparent)).size).toBe(seen.length);
}, 90_000);

async function assignment(p: ServiceProcess): Promise<number[]> {
  const body = (await (await fetch(p.readyUrl)).json()) as { assignment?: Record<string, number[]> };
  return body.assignment?.[TOPICS.messagesPersisted.name] ?? [];
}

test("killing the fanout replica that owns a chat's partition mid-stream loses nothing acknowledged: the survivor takes over within the session timeout, sync fills any hole", async () => {
  const chatId = await createGroup("alice", ["bob"]);
  const partition = partitionFor(chatId, TOPICS.messagesPersisted.partitions);
  const owner = (await assignment(fanoutA)).includes(partition) ? fanoutA : fanoutB;
  const survivor = owner === fanoutA ? fanoutB : fanoutA;
  expect(await assignment(owner)).toContain(partition);
  const alice = await connect("alice", gw1Url);
  const bob = await connect("bob", gw2Url);
  const acked: number[] = [];
  let killedAt = 0;
  let takeover: Promise<number> | undefined;
  for (let i = 1; i <= 30; i++) {
    if (i === 10) {
      await bob.messages(chatId, 9, 30_000);
      await owner.kill("SIGKILL");
      killedAt = Date.now();
      // Measured while the stream goes on: when the survivor owns the dead replica's partition.
      takeover = waitUntil(async () => (await assignment(survivor)).includes(partition), 60_000, "the survivor to own the partition").then(() => Date.now() - killedAt);
    }
    // While the group rebalances, ingest may shed load: retried as a client does, same id.
    const ack = await sendWithRetry(alice, { chatId, clientMessageId: `k-${i}`, body: `k ${i}` });
    acked.push(Number(ack.seq));
  }
  // The surviving replica is assigned the dead one's partitions and pushes the rest.
  await waitUntil(() => seqs(bob, chatId).includes(30), 60_000, "the last message to reach bob through the surviving replica");
  const takeoverMs = await takeover!;
  const deliveredMs = Date.now() - killedAt;
  process.stdout.write(`fanout kill -9: survivor owns the partition after ${takeoverMs} ms; last message pushed ${deliveredMs} ms after the kill\n`);
  // A killed member leaves no LeaveGroup: the coordinator waits out its session
  // (CHAT_KAFKA_SESSION_TIMEOUT_MS, 10 s by default; it was 30 s) and then rebalances (ADR-0021).
  // Below 30 s holds only with the shorter session; the bound is generous for a busy machine.
  expect(takeoverMs).toBeLessThan(25_000);
  const pushed = seqs(bob, chatId);
  expect(strictlyIncreasing(pushed)).toBe(true);
  const synced = await syncAll(bob, chatId);
  expect(synced).toEqual(acked);
  expect(new Set([...pushed, ...synced])).toEqual(new Set(acked));
}, 120_000);

test("internal RPCs refuse a user's token: PersistMessage on ingest and Deliver on a gateway", async () => {
  const bearer = await cluster.token("alice");
  const asUser = (baseUrl: string) => createGrpcTransport({ baseUrl, interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${bearer}`), next(req))] });
  const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e) => ConnectError.from(e).code);
  const persist = await codeOf(createClient(IngestService, asUser(internal.ingest)).persistMessage({ chatId: "c_x", senderId: "alice", clientMessageId: "m", body: "forged" }));
  const deliver = await codeOf(createClient(GatewayDeliveryService, asUser(internal.gateway)).deliver({ deliveries: [] }));
  expect(persist).toBe(Code.Unauthenticated);
  expect(deliver).toBe(Code.Unauthenticated);
});

test("killing a gateway expires its users' routes; they resume on the other gateway with sync", async () => {
  const chatId = await createGroup("alice", ["bob"]);
  const alice = await connect("alice", gw1Url);
  const bob = await connect("bob", gw2Url);
  await sendWithRetry(alice, { chatId, clientMessageId: "g-1", body: "before the crash" });
  await bob.messages(chatId, 1, 30_000);

  await gateway2.kill("SIGKILL");
  await bob.closed;
  const presence = createRedisPresence({ url: cluster.processes[0].env.CHAT_REDIS_URL, keyPrefix: cluster.processes[0].env.CHAT_REDIS_KEY_PREFIX });
  try {
    await waitUntil(async () => !(await presence.connectionsOf(["bob"])).has("bob") && (await presence.gatewayAddress("gw2")) === undefined, 15_000, "gw2 routes to expire");
  } finally {
    await presence.close();
  }

  for (let i = 2; i <= 4; i++) await sendWithRetry(alice, { chatId, clientMessageId: `g-${i}`, body: `while bob was away ${i}` });
  const bobAgain = await connect("bob", gw1Url);
  const missed = await requestWithRetry(bobAgain, { sync: { chatId, afterSeq: "1" } });
  expect(missed.syncResult.messages.map((m: { body: string }) => m.body)).toEqual([2, 3, 4].map((i) => `while bob was away ${i}`));
  await sendWithRetry(alice, { chatId, clientMessageId: "g-5", body: "welcome back" });
  // Pushes to the new connection may include messages still in flight when bob reconnected
  // (at-least-once), but always in order, ending with the new one.
  await bobAgain.waitFor((f) => f.message?.body === "welcome back", 30_000);
  expect(strictlyIncreasing(seqs(bobAgain, chatId))).toBe(true);
  expect(seqs(bobAgain, chatId).at(-1)).toBe(5);
}, 90_000);
