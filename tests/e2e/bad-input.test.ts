import { startHarness, type Harness } from "./support/all-in-one-harness";
import { WsClient } from "./support/ws-client";

let h: Harness;
let chatId: string;
const open: WsClient[] = [];
const track = (c: WsClient) => (open.push(c), c);

beforeAll(async () => {
  h = await startHarness({ CHAT_AUTH_TIMEOUT_MS: "300" });
  chatId = await h.createGroup("alice", ["bob"]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await h.stop();
});

// Nothing may be stored by a rejected frame: the chat's seq and history stay as they were.
async function expectNothingStored(before: bigint) {
  const chat = await (await h.api("alice")).getChat({ chatId });
  expect(chat.chat!.lastSeq).toBe(before);
}

async function lastSeq(): Promise<bigint> {
  return (await (await h.api("alice")).getChat({ chatId })).chat!.lastSeq;
}

describe("bad input on an authenticated connection gets an error frame, keeps the connection, stores nothing", () => {
  const cases: Array<[string, unknown, string]> = [
    ["malformed JSON", "{not json", "malformed_frame"],
    ["a JSON array", "[1,2]", "malformed_frame"],
    ["an unknown frame type", { requestId: "x", launchRockets: {} }, "unknown_frame"],
    ["a frame with no kind", { requestId: "x" }, "unknown_frame"],
    ["a wrong field type", { requestId: "x", sendMessage: { chatId: 42, clientMessageId: "a", body: "b" } }, "invalid_argument"],
    ["a send without chat_id", { requestId: "x", sendMessage: { clientMessageId: "a", body: "b" } }, "invalid_argument"],
    ["a send without client_message_id", { requestId: "x", sendMessage: { chatId: "CHAT", body: "b" } }, "invalid_argument"],
    ["a send with an empty body", { requestId: "x", sendMessage: { chatId: "CHAT", clientMessageId: "a", body: "" } }, "invalid_argument"],
    ["a chat id with a path traversal", { requestId: "x", sendMessage: { chatId: "../../etc/passwd", clientMessageId: "a", body: "b" } }, "invalid_argument"],
    ["a 200-character client_message_id", { requestId: "x", sendMessage: { chatId: "CHAT", clientMessageId: "a".repeat(200), body: "b" } }, "invalid_argument"],
    ["a body over 64 KiB", { requestId: "x", sendMessage: { chatId: "CHAT", clientMessageId: "big", body: "é".repeat(33 * 1024) } }, "message_too_large"],
    ["a send to a chat the user is not in", { requestId: "x", sendMessage: { chatId: "c_doesnotexist", clientMessageId: "a", body: "b" } }, "not_found"],
    ["a sync of a chat the user is not in", { requestId: "x", sync: { chatId: "c_doesnotexist", afterSeq: "0" } }, "not_found"],
    ["a sync with limit over 100", { requestId: "x", sync: { chatId: "CHAT", afterSeq: "0", limit: 101 } }, "invalid_argument"],
    ["a read beyond the chat's last seq", { requestId: "x", read: { chatId: "CHAT", seq: "999999" } }, "invalid_argument"],
    ["a negative seq", { requestId: "x", ack: { chatId: "CHAT", seq: "-1" } }, "invalid_argument"],
    ["a second auth frame", { requestId: "x", auth: { accessToken: "whatever" } }, "invalid_argument"],
  ];

  test.each(cases)("%s → %s", async (_name, frame, code) => {
    const before = await lastSeq();
    const alice = track(await h.connect("alice"));
    const raw = typeof frame === "string" ? frame : JSON.stringify(frame).replaceAll('"CHAT"', JSON.stringify(chatId));
    alice.send(raw);
    const err = await alice.waitFor((f) => f.error);
    expect(err.error.code).toBe(code);
    expect(err.error.message).toEqual(expect.any(String));
    // Still connected and serving.
    const pong = await alice.request({ ping: { nonce: "still-here" } });
    expect(pong.pong.nonce).toBe("still-here");
    await expectNothingStored(before);
  });

  test("a send by a user who is not a member of an existing chat is not_found (existence does not leak)", async () => {
    const before = await lastSeq();
    const mallory = track(await h.connect("mallory"));
    const res = await mallory.request({ sendMessage: { chatId, clientMessageId: "x", body: "let me in" } });
    expect(res.error.code).toBe("not_found");
    await expectNothingStored(before);
  });
});

describe("protocol violations close the connection with a documented code", () => {
  test("a frame over 128 KiB closes with 1009", async () => {
    const alice = track(await h.connect("alice"));
    alice.send(JSON.stringify({ sendMessage: { chatId, clientMessageId: "huge", body: "x".repeat(130 * 1024) } }));
    expect((await alice.closed).code).toBe(1009);
  });

  test("an invalid token gets error unauthenticated and close 4401", async () => {
    const c = track(await WsClient.open(h.wsUrl));
    c.send({ auth: { accessToken: "not.a.jwt" } });
    expect((await c.waitFor((f) => f.error)).error.code).toBe("unauthenticated");
    expect((await c.closed).code).toBe(4401);
  });

  test("an expired token gets error token_expired and close 4401", async () => {
    const expired = await h.app.devIssuer!.mintAccessToken("alice", { expiresInSec: -60 });
    const c = track(await WsClient.open(h.wsUrl));
    c.send({ auth: { accessToken: expired } });
    expect((await c.waitFor((f) => f.error)).error.code).toBe("token_expired");
    expect((await c.closed).code).toBe(4401);
  });

  test("a token for another audience is refused", async () => {
    const wrongAud = await h.app.devIssuer!.mintAccessToken("alice", { audience: "some-other-api" });
    const c = track(await WsClient.open(h.wsUrl));
    c.send({ auth: { accessToken: wrongAud } });
    expect((await c.waitFor((f) => f.error)).error.code).toBe("unauthenticated");
    expect((await c.closed).code).toBe(4401);
  });

  test("an unsigned (alg none) token is refused", async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", iss: h.app.issuer, aud: "chat-api", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    const c = track(await WsClient.open(h.wsUrl));
    c.send({ auth: { accessToken: none } });
    expect((await c.waitFor((f) => f.error)).error.code).toBe("unauthenticated");
    expect((await c.closed).code).toBe(4401);
  });

  test("any frame before auth closes with 4401 and is not processed", async () => {
    const before = await lastSeq();
    const c = track(await WsClient.open(h.wsUrl));
    c.send({ sendMessage: { chatId, clientMessageId: "sneaky", body: "no auth" } });
    expect((await c.closed).code).toBe(4401);
    await expectNothingStored(before);
  });

  test("no auth frame within the auth timeout closes with 4408 after connection_closing", async () => {
    const c = track(await WsClient.open(h.wsUrl));
    const closing = await c.waitFor((f) => f.connectionClosing);
    expect(closing.connectionClosing.reason).toBe("auth_timeout");
    expect((await c.closed).code).toBe(4408);
  });

  test("a token in the URL authenticates clients that cannot send a first frame", async () => {
    const c = track(await WsClient.open(`${h.wsUrl}?access_token=${await h.token("bob")}`));
    expect((await c.waitFor((f) => f.hello)).hello.userId).toBe("bob");
  });
});
