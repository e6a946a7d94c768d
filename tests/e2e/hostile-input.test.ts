import { ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT, generateKeyPair } from "jose";
import { ChatKind, ChatMgmtService, MemberRole } from "@chat/proto";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { WsClient } from "./support/ws-client";

// Malformed and hostile requests across REST, gRPC and WebSocket. Each must get its documented
// error (docs/api.md, docs/protocol.md) and leave the store exactly as it was.
let h: Harness;
let chatId: string;
const tok: Record<string, string> = {};

beforeAll(async () => {
  // Snapshots read a lot; rate limits have their own suite.
  h = await startHarness({
    CHAT_API_REQUESTS_PER_SECOND_PER_USER: "100000",
    CHAT_API_BURST_PER_USER: "100000",
    CHAT_API_REQUESTS_PER_SECOND_PER_IP: "100000",
    CHAT_API_BURST_PER_IP: "100000",
  });
  chatId = await h.createGroup("alice", ["bob"]);
  const alice = await h.connect("alice");
  await alice.request({ sendMessage: { chatId, clientMessageId: "seed", body: "seed" } });
  await alice.close();
  for (const u of ["alice", "bob", "mallory"]) tok[u] = await h.token(u);
  tok.expired = await h.app.devIssuer!.mintAccessToken("alice", { expiresInSec: -120 });
  tok.wrongAud = await h.app.devIssuer!.mintAccessToken("alice", { audience: "another-api" });
  tok.notYet = await h.app.devIssuer!.mintAccessToken("alice", { notBeforeSec: 3600 });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  tok.none = `${b64({ alg: "none" })}.${b64({ sub: "alice", iss: h.app.issuer, aud: "chat-api", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
  const { privateKey } = await generateKeyPair("RS256");
  tok.forged = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "dev-forged" }).setIssuer(h.app.issuer).setAudience("chat-api").setSubject("alice").setExpirationTime("10m").sign(privateKey);
});
afterAll(async () => {
  await h.stop();
});

// Everything a request could have changed, read back through the API.
async function snapshot(): Promise<string> {
  const api = await h.grpc("alice");
  const [chat, members, receipts, history, mine, mallorys] = await Promise.all([
    api.getChat({ chatId }),
    api.listMembers({ chatId }),
    api.getReceipts({ chatId }),
    api.getMessageHistory({ chatId, limit: 100 }),
    api.listMyChats({ pageSize: 100 }),
    (await h.grpc("mallory")).listMyChats({ pageSize: 100 }),
  ]);
  return JSON.stringify({ chat: chat.chat, members: members.members, receipts: receipts.receipts, history: history.messages, mine: mine.chats.length, mallorys: mallorys.chats.length }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
}

async function rest(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
  const res = await fetch(`${h.apiUrl}${path.replaceAll("CHAT", chatId)}`, { method, headers, body });
  const json = (await res.json()) as { code: string; message: string; details: unknown };
  expect(json.message).toEqual(expect.any(String));
  expect(json.details).toEqual(expect.any(Object));
  return { status: res.status, code: json.code };
}

async function grpc(token: string | undefined, call: (c: ReturnType<typeof createClient<typeof ChatMgmtService>>) => Promise<unknown>) {
  const auth: Interceptor = (next) => (req) => {
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const client = createClient(ChatMgmtService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${h.app.chatmgmt.grpcPort}`, interceptors: [auth] }));
  try {
    await call(client);
    return { code: "ok" };
  } catch (e) {
    const ce = ConnectError.from(e);
    return { code: ce.metadata.get("chat-error-code") ?? "", grpc: ce.code };
  }
}

async function ws(token: string, frame: unknown) {
  const c = await WsClient.connect(h.wsUrl, token);
  c.send(typeof frame === "string" ? frame : JSON.stringify(frame).replaceAll("CHAT", chatId));
  const err = await c.waitFor((f) => f.error);
  await c.close();
  return { code: err.error.code };
}

async function wsAuth(token: string) {
  const c = await WsClient.open(h.wsUrl);
  c.send({ auth: { accessToken: token } });
  const err = await c.waitFor((f) => f.error);
  const closed = await c.closed;
  return { code: err.error.code, close: closed.code };
}

const big = "x".repeat(70 * 1024);
type Case = [name: string, run: () => Promise<Record<string, unknown>>, expected: Record<string, unknown>];
const cases: Case[] = [
  // REST: bodies
  ["REST body is not JSON", () => rest("POST", "/api/v1/chats", { token: tok.alice, raw: "{oops" }), { status: 400, code: "invalid_argument" }],
  ["REST body is a JSON array", () => rest("POST", "/api/v1/chats", { token: tok.alice, raw: "[]" }), { status: 400, code: "invalid_argument" }],
  ["REST body with a wrong enum", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_BANANA", title: "t" } }), { status: 400, code: "invalid_argument" }],
  ["REST chat without kind", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { title: "t" } }), { status: 400, code: "invalid_argument" }],
  ["REST group without title", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP" } }), { status: 400, code: "invalid_argument" }],
  ["REST memberIds of the wrong type", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: "t", memberIds: "bob" } }), { status: 400, code: "invalid_argument" }],
  ["REST member id that looks like a path", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: "t", memberIds: ["../admin"] } }), { status: 400, code: "invalid_argument" }],
  ["REST member id with a zero-width space", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: "t", memberIds: ["bo\u200bb"] } }), { status: 400, code: "invalid_argument" }],
  ["REST duplicate members", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: "t", memberIds: ["bob", "bob"] } }), { status: 400, code: "invalid_argument" }],
  ["REST title of 10,000 characters", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: "t".repeat(10_000) } }), { status: 400, code: "invalid_argument" }],
  ["REST body over 64 KiB", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: big } }), { status: 413, code: "message_too_large" }],
  ["REST unknown body field", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_GROUP", title: "t", isAdmin: true } }), { status: 400, code: "invalid_argument" }],
  ["REST non-JSON content type", () => rest("POST", "/api/v1/chats", { token: tok.alice, raw: "kind=group", contentType: "application/x-www-form-urlencoded" }), { status: 400, code: "invalid_argument" }],
  // REST: tokens
  ["REST without a token", () => rest("GET", "/api/v1/chats/CHAT"), { status: 401, code: "unauthenticated" }],
  ["REST with a garbage token", () => rest("GET", "/api/v1/chats/CHAT", { token: "garbage" }), { status: 401, code: "unauthenticated" }],
  ["REST with an expired token", () => rest("GET", "/api/v1/chats/CHAT", { token: tok.expired }), { status: 401, code: "token_expired" }],
  ["REST with a wrong-audience token", () => rest("GET", "/api/v1/chats/CHAT", { token: tok.wrongAud }), { status: 401, code: "unauthenticated" }],
  ["REST with a not-yet-valid token", () => rest("GET", "/api/v1/chats/CHAT", { token: tok.notYet }), { status: 401, code: "unauthenticated" }],
  ["REST with an alg:none token", () => rest("GET", "/api/v1/chats/CHAT", { token: tok.none }), { status: 401, code: "unauthenticated" }],
  ["REST with a forged signature", () => rest("GET", "/api/v1/chats/CHAT", { token: tok.forged }), { status: 401, code: "unauthenticated" }],
  ["REST create chat with a forged token", () => rest("POST", "/api/v1/chats", { token: tok.forged, body: { kind: "CHAT_KIND_GROUP", title: "t" } }), { status: 401, code: "unauthenticated" }],
  // REST: ids and paths
  ["REST chat of which the caller is not a member", () => rest("GET", "/api/v1/chats/CHAT", { token: tok.mallory }), { status: 404, code: "not_found" }],
  ["REST history of a chat of which the caller is not a member", () => rest("GET", "/api/v1/chats/CHAT/messages", { token: tok.mallory }), { status: 404, code: "not_found" }],
  ["REST chat that does not exist", () => rest("GET", "/api/v1/chats/c_nope", { token: tok.alice }), { status: 404, code: "not_found" }],
  ["REST encoded path traversal in the chat id", () => rest("GET", "/api/v1/chats/..%2F..%2Fetc%2Fpasswd", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST non-ASCII chat id", () => rest("GET", `/api/v1/chats/${encodeURIComponent("日本語")}`, { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST chat id with a right-to-left override", () => rest("GET", `/api/v1/chats/${encodeURIComponent("c_\u202Eabc")}`, { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST chat id of 500 characters", () => rest("GET", `/api/v1/chats/${"c".repeat(500)}`, { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST history limit over 100", () => rest("GET", "/api/v1/chats/CHAT/messages?limit=101", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST history limit not a number", () => rest("GET", "/api/v1/chats/CHAT/messages?limit=abc", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST negative after_seq", () => rest("GET", "/api/v1/chats/CHAT/messages?after_seq=-5", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST unknown query parameter", () => rest("GET", "/api/v1/chats/CHAT/messages?drop_table=1", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST garbage page token", () => rest("GET", "/api/v1/chats?page_token=%00%01garbage", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST page size over 100", () => rest("GET", "/api/v1/chats?page_size=1000", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  // REST: roles
  ["REST member adds someone (admins only)", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.bob, body: { userId: "carol" } }), { status: 403, code: "permission_denied" }],
  ["REST duplicate member", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.alice, body: { userId: "bob" } }), { status: 409, code: "already_exists" }],
  ["REST non-member adds themselves", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.mallory, body: { userId: "mallory" } }), { status: 404, code: "not_found" }],
  ["REST member removes the admin", () => rest("DELETE", "/api/v1/chats/CHAT/members/alice", { token: tok.bob }), { status: 403, code: "permission_denied" }],
  ["REST member promotes themselves", () => rest("PATCH", "/api/v1/chats/CHAT/members/bob", { token: tok.bob, body: { role: "MEMBER_ROLE_ADMIN" } }), { status: 403, code: "permission_denied" }],
  ["REST role out of range", () => rest("PATCH", "/api/v1/chats/CHAT/members/bob", { token: tok.alice, body: { role: 99 } }), { status: 400, code: "invalid_argument" }],
  ["REST add a member with a role out of range", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.alice, body: { userId: "zed", role: 7 } }), { status: 400, code: "invalid_argument" }],
  ["REST remove someone who is not a member", () => rest("DELETE", "/api/v1/chats/CHAT/members/nobody", { token: tok.alice }), { status: 404, code: "not_found" }],
  // gRPC
  ["gRPC create chat with no kind", () => grpc(tok.alice, (c) => c.createChat({ title: "t" })), { code: "invalid_argument", grpc: 3 }],
  ["gRPC without a token", () => grpc(undefined, (c) => c.getChat({ chatId })), { code: "unauthenticated", grpc: 16 }],
  ["gRPC with an expired token", () => grpc(tok.expired, (c) => c.getChat({ chatId })), { code: "token_expired", grpc: 16 }],
  ["gRPC non-member", () => grpc(tok.mallory, (c) => c.getChat({ chatId })), { code: "not_found", grpc: 5 }],
  ["gRPC duplicate member", () => grpc(tok.alice, (c) => c.addMember({ chatId, userId: "bob" })), { code: "already_exists", grpc: 6 }],
  ["gRPC history limit over 100", () => grpc(tok.alice, (c) => c.getMessageHistory({ chatId, limit: 101 })), { code: "invalid_argument", grpc: 3 }],
  ["gRPC role change by a member", () => grpc(tok.bob, (c) => c.updateMemberRole({ chatId, userId: "bob", role: MemberRole.ADMIN })), { code: "permission_denied", grpc: 7 }],
  ["gRPC direct chat with three members", () => grpc(tok.alice, (c) => c.createChat({ kind: ChatKind.DIRECT, memberIds: ["bob", "carol"] })), { code: "invalid_argument", grpc: 3 }],
  ["gRPC chat id with a NUL byte", () => grpc(tok.alice, (c) => c.getChat({ chatId: "c\u0000x" })), { code: "invalid_argument", grpc: 3 }],
  // WebSocket
  ["WS send to a chat of which the sender is not a member", () => ws(tok.mallory, { requestId: "1", sendMessage: { chatId: "CHAT", clientMessageId: "m", body: "hi" } }), { code: "not_found" }],
  ["WS body one byte over 64 KiB in multi-byte characters", () => ws(tok.alice, { requestId: "1", sendMessage: { chatId: "CHAT", clientMessageId: "m", body: "€".repeat(21846) + "xx" } }), { code: "message_too_large" }],
  ["WS chat id with emoji", () => ws(tok.alice, { requestId: "1", sendMessage: { chatId: "chat😀", clientMessageId: "m", body: "hi" } }), { code: "invalid_argument" }],
  ["WS client_message_id with a newline", () => ws(tok.alice, { requestId: "1", sendMessage: { chatId: "CHAT", clientMessageId: "a\nb", body: "hi" } }), { code: "invalid_argument" }],
  ["WS seq as an object", () => ws(tok.alice, { requestId: "1", read: { chatId: "CHAT", seq: { $gt: 0 } } }), { code: "invalid_argument" }],
  ["WS prototype pollution attempt", () => ws(tok.alice, '{"__proto__":{"admin":true},"ping":{}}'), { code: "unknown_frame" }],
  ["WS forged token", () => wsAuth(tok.forged), { code: "unauthenticated", close: 4401 }],
  ["WS wrong-audience token", () => wsAuth(tok.wrongAud), { code: "unauthenticated", close: 4401 }],
];

test("the table has at least 40 hostile requests", () => {
  expect(cases.length).toBeGreaterThanOrEqual(40);
});

test.each(cases)("%s", async (_name, run, expected) => {
  const before = await snapshot();
  expect(await run()).toEqual(expected);
  expect(await snapshot()).toBe(before);
});
