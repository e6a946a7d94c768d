import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ChatKind, ChatMgmtService } from "@chat/proto";
import { WsClient } from "../e2e/support/ws-client";
import { requestWithRetry, sendWithRetry } from "../support/send-with-retry";
import { Cluster, freePort, waitUntil } from "./support/cluster";

// The membership cache of fanout and gateway (ADR 0024) in the distributed deployment on real
// Kafka, DynamoDB Local and Redis: members added or removed through chatmgmt are seen by the
// next delivery without waiting for a TTL, and the gateway's membership checks follow too.
// The TTL is set far beyond the test's deadlines, so only invalidation can make it pass.
const cluster = new Cluster();
const clients: WsClient[] = [];
let gwUrl: string;
let gwMetrics: string;
let fanoutMetrics: string;
let apiUrl: string;

async function connect(user: string): Promise<WsClient> {
  const c = await WsClient.connect(gwUrl, await cluster.token(user));
  clients.push(c);
  return c;
}

async function api(user: string): Promise<Client<typeof ChatMgmtService>> {
  const bearer = await cluster.token(user);
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${bearer}`);
    return next(req);
  };
  return createClient(ChatMgmtService, createConnectTransport({ baseUrl: apiUrl, httpVersion: "1.1", interceptors: [auth] }));
}

async function counter(url: string, series: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split("\n").find((l) => l.startsWith(series));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

beforeAll(async () => {
  await cluster.start();
  const [ingestGrpc, ingestHttp, cmHttp, cmGrpc, faHttp, gw, gwGrpc] = await Promise.all(Array.from({ length: 7 }, freePort));
  const long = { CHAT_MEMBERSHIP_CACHE_TTL_MS: "600000" };
  await cluster.spawn("ingest", "ingest", { CHAT_INGEST_GRPC_PORT: String(ingestGrpc), CHAT_INGEST_HTTP_PORT: String(ingestHttp) }, ingestHttp);
  await cluster.spawn("chatmgmt", "chatmgmt", { CHAT_CHATMGMT_PORT: String(cmHttp), CHAT_CHATMGMT_GRPC_PORT: String(cmGrpc) }, cmHttp);
  await cluster.spawn("gateway", "gateway", { ...long, CHAT_GATEWAY_ID: "gwm", CHAT_GATEWAY_PORT: String(gw), CHAT_GATEWAY_GRPC_PORT: String(gwGrpc), CHAT_INGEST_ADDRESS: `http://127.0.0.1:${ingestGrpc}` }, gw);
  await cluster.spawn("fanout", "fanout", { ...long, CHAT_FANOUT_HTTP_PORT: String(faHttp) }, faHttp);
  gwUrl = `ws://127.0.0.1:${gw}/ws/v1`;
  gwMetrics = `http://127.0.0.1:${gw}/metrics`;
  fanoutMetrics = `http://127.0.0.1:${faHttp}/metrics`;
  apiUrl = `http://127.0.0.1:${cmHttp}`;
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await cluster.stop();
});

const membershipFrame = (c: WsClient, chatId: string, userId: string, change: "MEMBERSHIP_CHANGE_ADDED" | "MEMBERSHIP_CHANGE_REMOVED") =>
  c.waitFor((f) => f.membership?.chatId === chatId && f.membership.userId === userId && f.membership.change === change, 30_000);

test("a member added through chatmgmt gets the next message, a removed one no longer does, and the gateway's membership check follows", async () => {
  const alice = await api("alice");
  const chatId = (await alice.createChat({ kind: ChatKind.GROUP, title: "cache", memberIds: ["bob"] })).chat!.chatId;
  const [a, bob, carol] = await Promise.all([connect("alice"), connect("bob"), connect("carol")]);

  // Warm both caches until they really serve from memory (their invalidation consumers have
  // joined): fanout reads the chat's members per batch, the gateway checks bob's membership
  // on every sync.
  let n = 0;
  await waitUntil(async () => {
    n++;
    await sendWithRetry(a, { chatId, clientMessageId: `warm-${n}`, body: "warm" });
    await bob.messages(chatId, n, 30_000);
    const sync = await requestWithRetry(bob, { sync: { chatId, afterSeq: "0", limit: 1 } });
    expect(sync.syncResult).toBeDefined();
    return (await counter(fanoutMetrics, 'membership_cache_reads_total{read="members",outcome="hit"')) > 0 && (await counter(gwMetrics, 'membership_cache_reads_total{read="member",outcome="hit"')) > 0;
  }, 60_000, "fanout and gateway to answer member reads from their caches");

  // Added: the membership frame reaches carol (fanout saw the change), then the next message.
  await alice.addMember({ chatId, userId: "carol" });
  await membershipFrame(carol, chatId, "carol", "MEMBERSHIP_CHANGE_ADDED");
  await sendWithRetry(a, { chatId, clientMessageId: "after-add", body: "hello carol" });
  expect((await carol.waitFor((f) => f.message?.clientMessageId === "after-add", 30_000)).message.body).toBe("hello carol");
  // The gateway lets carol read the chat without waiting for a TTL.
  await waitUntil(async () => (await requestWithRetry(carol, { sync: { chatId, afterSeq: "0", limit: 10 } })).syncResult !== undefined, 30_000, "carol's sync to be allowed");

  // Removed: bob hears of his removal, then gets nothing more of the chat.
  await alice.removeMember({ chatId, userId: "bob" });
  await membershipFrame(bob, chatId, "bob", "MEMBERSHIP_CHANGE_REMOVED");
  await sendWithRetry(a, { chatId, clientMessageId: "after-remove", body: "bob is gone" });
  await carol.waitFor((f) => f.message?.clientMessageId === "after-remove", 30_000);
  // One gateway: bob's copy would have come in the same Deliver call as carol's.
  expect(bob.frames.filter((f) => f.message?.clientMessageId === "after-remove")).toEqual([]);
  // The gateway's cached "bob is a member" is dropped by its own invalidation consumer.
  await waitUntil(async () => (await requestWithRetry(bob, { sync: { chatId, afterSeq: "0", limit: 1 } })).error?.code === "not_found", 30_000, "bob's sync to be refused");
}, 180_000);
