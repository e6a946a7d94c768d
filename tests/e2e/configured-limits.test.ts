import { freePort } from "../support/free-port";
import { startGatewayHarness, type GatewayHarness } from "./support/gateway-harness";
import { WsClient } from "./support/ws-client";

// Limits that used to be constants in the code take the configured value (issue 9 point 1):
// every value below differs from its default, and each assertion would fail on the default.

describe("configured limits take effect", () => {
  let h: GatewayHarness;
  const open: WsClient[] = [];
  beforeAll(async () => {
    // Nothing listens there: every send is a refused connection, an infrastructure failure.
    const deadIngest = `http://127.0.0.1:${await freePort()}`;
    h = await startGatewayHarness({
      ingestAddress: deadIngest,
      overrides: {
        CHAT_INGEST_BREAKER_FAILURES: "2", // default 5
        CHAT_INGEST_BREAKER_COOLDOWN_MS: "60000", // default 2000
        CHAT_MAX_FRAMES_BEFORE_HELLO: "2", // default 32
        CHAT_SYNC_PAGE_DEFAULT: "2", // default 50
        CHAT_SYNC_PAGE_MAX: "3", // default 100
      },
    });
  });
  afterAll(async () => {
    for (const c of open) c.ws.terminate();
    await h.stop();
  });
  const connect = async (user: string) => {
    const c = await h.connect(user);
    open.push(c);
    return c;
  };

  test("the ingest breaker opens after the configured failures and stays open for the configured cool-down", async () => {
    const chatId = await h.createGroup(["alice", "bob"]);
    const alice = await connect("alice");
    const send = () => alice.request({ sendMessage: { chatId, clientMessageId: "m-1", body: "hi" } }, 15_000);
    expect((await send()).error).toMatchObject({ code: "unavailable", cause: "ingest_unreachable" });
    expect((await send()).error).toMatchObject({ code: "unavailable", cause: "ingest_unreachable" });
    const fast = (await send()).error;
    expect(fast).toMatchObject({ code: "unavailable", cause: "ingest_breaker_open" });
    // Well past the 2 s default: the configured 60 s cool-down is what is left.
    expect(fast.retryAfterMs).toBeGreaterThan(30_000);
  });

  test("more frames pipelined before hello than configured close the connection; as many as configured are fine", async () => {
    const token = await h.token("carol");
    const within = await WsClient.open(h.wsUrl);
    open.push(within);
    within.send({ requestId: "a", auth: { accessToken: token } });
    within.send({ requestId: "p1", ping: { nonce: "1" } });
    within.send({ requestId: "p2", ping: { nonce: "2" } });
    await within.waitFor((f) => f.replyTo === "p2");

    const over = await WsClient.open(h.wsUrl);
    open.push(over);
    over.send({ requestId: "a", auth: { accessToken: token } });
    for (let i = 1; i <= 3; i++) over.send({ requestId: `p${i}`, ping: { nonce: String(i) } });
    expect(await over.closed).toMatchObject({ code: 4401 });
    expect(over.frames.find((f) => f.error)?.error.message).toMatch(/more than 2 frames before hello/);
  });

  test("sync pages: the configured default size, the configured maximum (advertised in hello) and a clear error past it", async () => {
    const chatId = await h.createGroup(["dora", "eve"]);
    // The gateway's ingest is down here: messages go straight to the store.
    const { create } = await import("@bufbuild/protobuf");
    const { timestampFromDate } = await import("@bufbuild/protobuf/wkt");
    const { MessageSchema } = await import("@chat/proto");
    for (let i = 1; i <= 5; i++) {
      const seq = await h.store.allocateSeq(chatId);
      const m = create(MessageSchema, { chatId, seq, messageId: `id-${i}`, senderId: "dora", clientMessageId: `c-${i}`, body: `b${i}`, contentType: "text/plain", createdAt: timestampFromDate(new Date()) });
      await h.store.commitMessage(m, 24 * 3600_000, []);
    }
    const dora = await connect("dora");
    expect(dora.frames.find((f) => f.hello)?.hello.limits.syncMaxLimit).toBe(3);
    const page = await dora.request({ sync: { chatId, afterSeq: "0" } });
    expect(page.syncResult.messages.map((m: { seq: string }) => m.seq)).toEqual(["1", "2"]);
    expect(page.syncResult.hasMore).toBe(true);
    const max = await dora.request({ sync: { chatId, afterSeq: "0", limit: 3 } });
    expect(max.syncResult.messages).toHaveLength(3);
    const tooMany = await dora.request({ sync: { chatId, afterSeq: "0", limit: 4 } });
    expect(tooMany.error).toMatchObject({ code: "invalid_argument", message: "limit must be 1..3" });
  });
});
