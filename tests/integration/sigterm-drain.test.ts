import { fromBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { partitionFor, TOPICS } from "@chat/domain";
import { ChatKind, ChatMgmtService, IngestService, MessagePersistedSchema } from "@chat/proto";
import { serviceCredentialClient } from "@chat/rpc";
import { createDynamoStore } from "@chat/store/dynamodb";
import kafkajs from "kafkajs";
import { sendWithRetry } from "../support/send-with-retry";
import { waitUntil, type ServiceProcess } from "./support/cluster";
import { Topology } from "./support/topology";

// MISSION guarantee: SIGTERM drains every service as a real OS process. One test per service,
// each failing if its drain breaks. The processes are stopped in an order that keeps what the
// later tests need (fanout, then ingest, chatmgmt, a gateway last).
// Routes outlive a briefly stopped gateway; a Deliver waits long enough for a stopped gateway
// to be continued within the test.
const topology = new Topology({ all: { CHAT_PRESENCE_TTL_MS: "60000" }, fanout: { CHAT_FANOUT_DELIVER_TIMEOUT_MS: "15000" } });
const env = () => topology.cluster.processes[0].env;
const exitOf = (p: ServiceProcess) => new Promise<number | null>((res) => (p.child.exitCode !== null ? res(p.child.exitCode) : p.child.once("exit", (code) => res(code))));

beforeAll(() => topology.start({ fanouts: 1 }), 180_000);
afterAll(() => topology.stop());

// Seq of each of this chat's events on messages.persisted below `end`, read from the log itself.
async function seqsBelow(chatId: string, partition: number, end: bigint): Promise<number[]> {
  const kafka = new kafkajs.Kafka({ clientId: `inspect-${topology.cluster.runId}`, brokers: env().CHAT_KAFKA_BROKERS.split(","), logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `inspect-${topology.cluster.runId}-${partition}` });
  const seqs: number[] = [];
  let reached = false;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPICS.messagesPersisted.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition: p, message }) => {
        if (p !== partition) return;
        if (BigInt(message.offset) >= end - 1n) reached = true;
        if (BigInt(message.offset) >= end || message.key?.toString() !== chatId) return;
        seqs.push(Number(fromBinary(MessagePersistedSchema, message.value!).message!.seq));
      },
    });
    await waitUntil(() => reached || end === 0n, 30_000, `partition ${partition} read up to offset ${end}`);
  } finally {
    await consumer.disconnect();
  }
  return seqs;
}

async function groupState(groupId: string): Promise<string> {
  const kafka = new kafkajs.Kafka({ clientId: `inspect-${topology.cluster.runId}`, brokers: env().CHAT_KAFKA_BROKERS.split(","), logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeGroups([groupId])).groups[0].state;
  } finally {
    await admin.disconnect();
  }
}

async function offsets(groupId: string, partition: number): Promise<{ committed: bigint; high: bigint }> {
  const kafka = new kafkajs.Kafka({ clientId: `inspect-${topology.cluster.runId}`, brokers: env().CHAT_KAFKA_BROKERS.split(","), logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [group] = await admin.fetchOffsets({ groupId, topics: [TOPICS.messagesPersisted.name] });
    const marks = await admin.fetchTopicOffsets(TOPICS.messagesPersisted.name);
    return { committed: BigInt(group.partitions.find((p) => p.partition === partition)!.offset), high: BigInt(marks.find((m) => m.partition === partition)!.high) };
  } finally {
    await admin.disconnect();
  }
}

const pushedSeqs = (frames: Array<Record<string, any>>, chatId: string) => frames.filter((f) => f.message?.chatId === chatId).map((f) => Number(f.message.seq));

test("fanout: SIGTERM commits what it pushed and pushes what it committed (deliveries queued for a slow gateway go out before exit); a new replica resumes exactly there", async () => {
  const chatId = await topology.createGroup("alice", ["bob"]);
  const partition = partitionFor(chatId, TOPICS.messagesPersisted.partitions);
  const groupId = env().CHAT_FANOUT_GROUP_ID;
  const alice = await topology.connect("alice", 1);
  const bob = await topology.connect("bob", 2);
  const [fanout] = topology.fanouts;
  const gateway2 = topology.gateways[1];
  const acked: number[] = [];
  const send = async (i: number) => acked.push(Number((await sendWithRetry(alice, { chatId, clientMessageId: `f-${i}`, body: `f ${i}` })).seq));
  for (let i = 1; i <= 10; i++) await send(i);
  await bob.messages(chatId, 10, 30_000);

  // Bob's gateway stalls: the fanout processes and commits 11..15, but their pushes wait in
  // gw2's link (one Deliver in flight, the rest queued behind it).
  gateway2.child.kill("SIGSTOP");
  try {
    for (let i = 11; i <= 15; i++) await send(i);
    await waitUntil(async () => {
      const o = await offsets(groupId, partition);
      return o.committed === o.high;
    }, 30_000, "the fanout to commit every event of the partition");
    expect(pushedSeqs(bob.frames, chatId)).toHaveLength(10);
    const stopping = fanout.kill("SIGTERM");
    // gw2 answers again only once the replica has left the group, i.e. while it is draining.
    await waitUntil(async () => (await groupState(groupId)) === "Empty", 30_000, "the replica to leave the group");
    gateway2.child.kill("SIGCONT");
    // Sends go on while the replica drains.
    for (let i = 16; i <= 20; i++) await send(i);
    expect(await stopping).toBe(0);
  } finally {
    gateway2.child.kill("SIGCONT");
  }

  // Nothing pushes now. Committed = pushed: every event below the committed offset reached bob
  // (the drain flushed the queued pushes), and nothing beyond it did (a restart would push it
  // again).
  const { committed } = await offsets(groupId, partition);
  const expected = await seqsBelow(chatId, partition, committed);
  expect(expected.slice(0, 15)).toEqual(acked.slice(0, 15));
  await waitUntil(() => pushedSeqs(bob.frames, chatId).length >= expected.length, 10_000, "the drained pushes to reach bob");
  expect(pushedSeqs(bob.frames, chatId)).toEqual(expected);

  // A new replica starts at the committed offset: the rest arrives, each message exactly once.
  await topology.startFanout();
  await waitUntil(() => pushedSeqs(bob.frames, chatId).length >= acked.length, 60_000, "the rest of the stream through the new replica");
  expect(pushedSeqs(bob.frames, chatId)).toEqual(acked);
}, 150_000);

test("fanout: a replica stopped by SIGTERM leaves the group, so the other takes over its partitions at once, not after the session timeout", async () => {
  const [, first] = topology.fanouts;
  const second = await topology.startFanout();
  await waitUntil(async () => (await topology.assignment(first)).length > 0 && (await topology.assignment(second)).length > 0, 60_000, "both replicas to own partitions");
  const stoppedAt = Date.now();
  expect(await first.kill("SIGTERM")).toBe(0);
  await waitUntil(async () => (await topology.assignment(second)).length === TOPICS.messagesPersisted.partitions, 30_000, "the survivor to own every partition");
  const takeoverMs = Date.now() - stoppedAt;
  process.stdout.write(`fanout SIGTERM: survivor owns every partition ${takeoverMs} ms after the signal\n`);
  // The session timeout is 10 s; a member that left explicitly is replaced within a rebalance.
  expect(takeoverMs).toBeLessThan(6000);
}, 120_000);

test("ingest: sends in flight at SIGTERM are acknowledged and stored", async () => {
  const chatId = await topology.createGroup("alice", ["bob"]);
  const ingest = createClient(IngestService, createGrpcTransport({ baseUrl: topology.ingestAddress, interceptors: [serviceCredentialClient(env().CHAT_SERVICE_SECRET)] }));
  await ingest.persistMessage({ chatId, senderId: "alice", clientMessageId: "warm-up", body: "warm-up" });
  // One HTTP/2 session, 30 requests written at once; the chat's lane serializes their writes,
  // so most are still in flight when the first answer arrives and SIGTERM goes out.
  let signalledAt = 0;
  const answeredAt: number[] = [];
  const calls = Array.from({ length: 30 }, (_, i) =>
    ingest.persistMessage({ chatId, senderId: "alice", clientMessageId: `t-${i}`, body: `in flight ${i}` }).then((r) => {
      answeredAt.push(Date.now());
      if (!signalledAt) {
        signalledAt = Date.now();
        topology.ingest.child.kill("SIGTERM");
      }
      return r;
    }),
  );
  const results = await Promise.all(calls);
  expect(await exitOf(topology.ingest)).toBe(0);
  expect(answeredAt.filter((t) => t > signalledAt).length).toBeGreaterThan(0);
  const store = createDynamoStore({ endpoint: env().CHAT_DYNAMODB_ENDPOINT, region: "us-east-1", tablePrefix: env().CHAT_DYNAMODB_TABLE_PREFIX });
  try {
    const stored = await store.listMessages(chatId, { limit: 100 });
    for (const r of results) expect(stored.map((m) => m.seq)).toContain(r.message!.seq);
    expect(stored).toHaveLength(31);
  } finally {
    await store.close();
  }
}, 60_000);

test("chatmgmt: requests in flight at SIGTERM are answered", async () => {
  const bearer = await topology.cluster.token("dora");
  const grpcPort = topology.chatmgmt.env.CHAT_CHATMGMT_GRPC_PORT;
  const api = createClient(ChatMgmtService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}`, interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${bearer}`), next(req))] }));
  await api.listMyChats({});
  let signalledAt = 0;
  const answeredAt: number[] = [];
  const calls = Array.from({ length: 20 }, (_, i) =>
    api.createChat({ kind: ChatKind.GROUP, title: `drain ${i}`, memberIds: ["erin"] }).then((r) => {
      answeredAt.push(Date.now());
      if (!signalledAt) {
        signalledAt = Date.now();
        topology.chatmgmt.child.kill("SIGTERM");
      }
      return r;
    }),
  );
  const results = await Promise.all(calls);
  expect(await exitOf(topology.chatmgmt)).toBe(0);
  expect(answeredAt.filter((t) => t > signalledAt).length).toBeGreaterThan(0);
  const store = createDynamoStore({ endpoint: env().CHAT_DYNAMODB_ENDPOINT, region: "us-east-1", tablePrefix: env().CHAT_DYNAMODB_TABLE_PREFIX });
  try {
    for (const r of results) expect((await store.getChat(r.chat!.chatId))?.title).toBe(r.chat!.title);
  } finally {
    await store.close();
  }
}, 60_000);

test("gateway: SIGTERM sends connection_closing (reason and reconnect hint) to every client, then closes and exits", async () => {
  const gateway = topology.gateways[1];
  const clients = [await topology.connect("bob", 2), await topology.connect("carol", 2), await topology.connect("carol", 2)];
  const stayer = await topology.connect("alice", 1);
  expect(await gateway.kill("SIGTERM")).toBe(0);
  for (const c of clients) {
    const closed = await c.closed;
    const closing = c.frames.find((f) => f.connectionClosing)?.connectionClosing;
    expect(closing).toMatchObject({ reason: "server_shutdown" });
    expect(closing.reconnectAfterMs).toBeGreaterThan(0);
    expect(closed.code).toBe(1001);
  }
  expect(stayer.frames.some((f) => f.connectionClosing)).toBe(false);
}, 60_000);
