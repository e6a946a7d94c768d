import { connect as h2connect } from "node:http2";
import { createGzip } from "node:zlib";
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
    // Small quotas so the quota cases reach them: the chat below is full with its 2 members,
    // quincy is in 3 chats.
    CHAT_MAX_MEMBERS_PER_CHAT: "2",
    CHAT_MAX_CHATS_PER_USER: "3",
  });
  chatId = await h.createGroup("alice", ["bob"]);
  for (let i = 0; i < 3; i++) await h.createGroup("quincy", [], `q${i}`);
  bomb.json = await gzipOf(['{"kind":"CHAT_KIND_GROUP","title":"', "a", '"}'], BOMB_BYTES);
  bomb.zeros = await gzipOf(["", "\0", ""], BOMB_BYTES);
  const alice = await h.connect("alice");
  await alice.request({ sendMessage: { chatId, clientMessageId: "seed", body: "seed" } });
  await alice.close();
  for (const u of ["alice", "bob", "mallory", "quincy"]) tok[u] = await h.token(u);
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

// A "zip bomb": a few hundred KB of gzip that inflate to 200 MB (prefix + filler * n + suffix),
// built by streaming so the test itself never holds the inflated bytes.
const BOMB_BYTES = 200 * 1024 * 1024;
const bomb: { json?: Buffer; zeros?: Buffer } = {};
async function gzipOf([prefix, filler, suffix]: string[], size: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on("data", (d: Buffer) => out.push(d));
  const done = new Promise((r) => gz.on("end", r));
  gz.write(prefix);
  const chunk = Buffer.alloc(1024 * 1024, filler);
  for (let n = 0; n < size; n += chunk.length) if (!gz.write(chunk)) await new Promise((r) => gz.once("drain", r));
  gz.end(suffix);
  await done;
  return Buffer.concat(out);
}

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

async function rest(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string | Buffer; contentType?: string; encoding?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.encoding) headers["content-encoding"] = opts.encoding;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
  const res = await fetch(`${h.apiUrl}${path.replaceAll("CHAT", chatId)}`, { method, headers, body: typeof body === "string" || body === undefined ? body : new Uint8Array(body) });
  const json = (await res.json()) as { code: string; message: string; details: unknown };
  expect(json.message).toEqual(expect.any(String));
  expect(json.details).toEqual(expect.any(Object));
  return { status: res.status, code: json.code };
}

// The Connect protocol spoken by hand (unary POST on the HTTP port), as a curl user would.
async function connectCall(method: string, opts: { token?: string; json?: unknown; raw?: string | Buffer; contentType?: string; encoding?: string }) {
  const headers: Record<string, string> = { "content-type": opts.contentType ?? "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.encoding) headers["content-encoding"] = opts.encoding;
  const body = opts.raw ?? JSON.stringify(opts.json).replaceAll('"CHAT"', JSON.stringify(chatId));
  const res = await fetch(`${h.apiUrl}/messaging.v1.ChatMgmtService/${method}`, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });
  const json = (await res.json()) as { code?: string; message?: string };
  // Our own words, never the JS engine's or a library's internals.
  if (res.status !== 200) expect(json.message).not.toMatch(/string length|parse binary|premature EOF|Unexpected token/i);
  return { status: res.status, code: res.headers.get("chat-error-code") ?? (res.status === 200 ? "ok" : `connect:${json.code}`) };
}

// One gRPC call written frame by frame: a compressed message (grpc-encoding gzip) whose payload
// inflates to 200 MB. Answers the grpc-status it got.
async function grpcGzipBomb(token: string): Promise<Record<string, unknown>> {
  const session = h2connect(`http://127.0.0.1:${h.app.chatmgmt.grpcPort}`);
  try {
    const req = session.request({
      ":method": "POST",
      ":path": "/messaging.v1.ChatMgmtService/CreateChat",
      "content-type": "application/grpc",
      "grpc-encoding": "gzip",
      te: "trailers",
      authorization: `Bearer ${token}`,
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(1, 0); // compressed flag
    prefix.writeUInt32BE(bomb.zeros!.length, 1);
    req.end(Buffer.concat([prefix, bomb.zeros!]));
    const status = await new Promise<string>((resolve, reject) => {
      let s = "";
      req.on("response", (hd) => (s = String(hd["grpc-status"] ?? s)));
      req.on("trailers", (t) => (s = String(t["grpc-status"] ?? s)));
      req.on("data", () => {});
      req.on("end", () => resolve(s));
      req.on("error", reject);
    });
    return { grpc: Number(status) };
  } finally {
    session.close();
  }
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
  ["REST gzip body that inflates to 200 MB", () => rest("POST", "/api/v1/chats", { token: tok.alice, raw: bomb.json!, encoding: "gzip" }), { status: 413, code: "message_too_large" }],
  ["REST gzip body that is not gzip", () => rest("POST", "/api/v1/chats", { token: tok.alice, raw: "{}", encoding: "gzip" }), { status: 400, code: "invalid_argument" }],
  ["REST body in an unsupported content-encoding", () => rest("POST", "/api/v1/chats", { token: tok.alice, raw: "{}", encoding: "compress" }), { status: 400, code: "invalid_argument" }],
  ["REST direct chat with a title", () => rest("POST", "/api/v1/chats", { token: tok.alice, body: { kind: "CHAT_KIND_DIRECT", title: "Bob", memberIds: ["bob"] } }), { status: 400, code: "invalid_argument" }],
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
  ["REST after_seq in hex", () => rest("GET", "/api/v1/chats/CHAT/messages?after_seq=0x2", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST before_seq in binary", () => rest("GET", "/api/v1/chats/CHAT/messages?beforeSeq=0b11", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST after_seq with a space", () => rest("GET", "/api/v1/chats/CHAT/messages?after_seq=%202", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST well-formed but forged page token", () => rest("GET", `/api/v1/chats?page_token=v1.${Buffer.from('{"chatId":"c_0"}').toString("base64url")}.${"A".repeat(43)}`, { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  ["REST unknown route under /api", () => rest("GET", "/api/v1/nothing-here", { token: tok.alice }), { status: 404, code: "not_found" }],
  ["REST unknown route outside /api", () => rest("GET", "/wp-admin.php"), { status: 404, code: "not_found" }],
  ["REST page size over 100", () => rest("GET", "/api/v1/chats?page_size=1000", { token: tok.alice }), { status: 400, code: "invalid_argument" }],
  // REST: roles
  ["REST member adds someone (admins only)", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.bob, body: { userId: "carol" } }), { status: 403, code: "permission_denied" }],
  ["REST duplicate member", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.alice, body: { userId: "bob" } }), { status: 409, code: "already_exists" }],
  ["REST non-member adds themselves", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.mallory, body: { userId: "mallory" } }), { status: 404, code: "not_found" }],
  ["REST member removes the admin", () => rest("DELETE", "/api/v1/chats/CHAT/members/alice", { token: tok.bob }), { status: 403, code: "permission_denied" }],
  ["REST member promotes themselves", () => rest("PATCH", "/api/v1/chats/CHAT/members/bob", { token: tok.bob, body: { role: "MEMBER_ROLE_ADMIN" } }), { status: 403, code: "permission_denied" }],
  ["REST role out of range", () => rest("PATCH", "/api/v1/chats/CHAT/members/bob", { token: tok.alice, body: { role: 99 } }), { status: 400, code: "invalid_argument" }],
  ["REST add a member with a role out of range", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.alice, body: { userId: "zed", role: 7 } }), { status: 400, code: "invalid_argument" }],
  ["REST the last admin leaves the group", () => rest("DELETE", "/api/v1/chats/CHAT/members/alice", { token: tok.alice }), { status: 409, code: "failed_precondition" }],
  ["REST the last admin demotes themselves", () => rest("PATCH", "/api/v1/chats/CHAT/members/alice", { token: tok.alice, body: { role: "MEMBER_ROLE_MEMBER" } }), { status: 409, code: "failed_precondition" }],
  ["REST a member over the members-per-chat quota", () => rest("POST", "/api/v1/chats/CHAT/members", { token: tok.alice, body: { userId: "zed" } }), { status: 429, code: "quota_exceeded" }],
  ["REST a chat over the chats-per-user quota", () => rest("POST", "/api/v1/chats", { token: tok.quincy, body: { kind: "CHAT_KIND_GROUP", title: "one too many" } }), { status: 429, code: "quota_exceeded" }],
  ["REST remove someone who is not a member", () => rest("DELETE", "/api/v1/chats/CHAT/members/nobody", { token: tok.alice }), { status: 404, code: "not_found" }],
  // Connect (JSON and binary over HTTP/1.1)
  ["Connect unknown JSON field", () => connectCall("CreateChat", { token: tok.alice, json: { kind: "CHAT_KIND_GROUP", title: "t", isAdmin: true } }), { status: 400, code: "invalid_argument" }],
  ["Connect after_seq in hex", () => connectCall("GetMessageHistory", { token: tok.alice, json: { chatId: "CHAT", afterSeq: "0x2" } }), { status: 400, code: "invalid_argument" }],
  ["Connect application/proto garbage", () => connectCall("GetChat", { token: tok.alice, raw: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), contentType: "application/proto" }), { status: 400, code: "invalid_argument" }],
  ["Connect gzip body that inflates to 200 MB", () => connectCall("CreateChat", { token: tok.alice, raw: bomb.json!, encoding: "gzip" }), { status: 413, code: "message_too_large" }],
  ["Connect unknown procedure", () => rest("POST", "/messaging.v1.ChatMgmtService/DropAllChats", { token: tok.alice, body: {} }), { status: 404, code: "not_found" }],
  ["Connect direct chat with a title", () => connectCall("CreateChat", { token: tok.alice, json: { kind: "CHAT_KIND_DIRECT", title: "x", memberIds: ["bob"] } }), { status: 400, code: "invalid_argument" }],
  // gRPC
  ["gRPC message with grpc-encoding gzip that inflates to 200 MB", () => grpcGzipBomb(tok.alice), { grpc: 8 }],
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
  ["WS sync after_seq in hex", () => ws(tok.alice, { requestId: "1", sync: { chatId: "CHAT", afterSeq: "0x2" } }), { code: "invalid_argument" }],
  ["WS read seq in octal", () => ws(tok.alice, { requestId: "1", read: { chatId: "CHAT", seq: "0o7" } }), { code: "invalid_argument" }],
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

describe("decompression bombs (issue 10 item 2)", () => {
  test("8 in parallel on REST and Connect are refused without inflating them", async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const started = Date.now();
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 2 === 0
            ? rest("POST", "/api/v1/chats", { token: tok.alice, raw: bomb.json!, encoding: "gzip" })
            : connectCall("CreateChat", { token: tok.alice, raw: bomb.json!, encoding: "gzip" }),
        ),
      );
      expect(results).toEqual(Array(8).fill({ status: 413, code: "message_too_large" }));
    } finally {
      clearInterval(sampler);
    }
    // Inflating them would cost 8 x 200 MB; refused at 64 KiB each, the process barely grows.
    // The bound is generous (the test runner allocates too); it catches inflation, not noise.
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
    // Each stops after 64 KiB of output: no 200 MB worth of inflate work either.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("401 bodies say nothing about why a token was refused (issue 10 item 10)", () => {
  test("a token with an unknown kid and one with a known kid but a bad signature get the same body", async () => {
    const valid = tok.alice;
    const [header, payload] = valid.split(".");
    const badSignature = `${header}.${payload}.${Buffer.alloc(256, 7).toString("base64url")}`;
    const bodies = await Promise.all(
      [tok.forged, badSignature, tok.wrongAud, "garbage"].map(async (t) => {
        const res = await fetch(`${h.apiUrl}/api/v1/chats`, { headers: { authorization: `Bearer ${t}` } });
        return { status: res.status, body: await res.json() };
      }),
    );
    for (const b of bodies) expect(b).toEqual({ status: 401, body: { code: "unauthenticated", message: "access token is not valid", details: {} } });
  });
});

describe("the gRPC port speaks gRPC only (issue 10 item 10)", () => {
  // The Connect protocol is served, with its input checks, on the REST port. On the gRPC port it
  // would skip them (binary garbage answered 500, unknown JSON fields ignored), so it is refused.
  const post = (contentType: string, body: Buffer) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const session = h2connect(`http://127.0.0.1:${h.app.chatmgmt.grpcPort}`);
      session.on("error", reject);
      const req = session.request({ ":method": "POST", ":path": "/messaging.v1.ChatMgmtService/ListMyChats", "content-type": contentType });
      let status = 0;
      const chunks: Buffer[] = [];
      req.on("response", (headers) => (status = Number(headers[":status"])));
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        session.close();
        resolve({ status, body: Buffer.concat(chunks).toString() });
      });
      req.on("error", reject);
      req.end(body);
    });

  test.each([
    ["application/proto", Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12])],
    ["application/json", Buffer.from('{"pageSize":1,"unknownField":true}')],
  ])("Connect %s on the gRPC port is refused as an unsupported protocol, not processed", async (type, body) => {
    const res = await post(type, body);
    expect(res.status).toBe(415);
  });
});
