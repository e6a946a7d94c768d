import { startHarness, type Harness } from "./support/all-in-one-harness";
import type { Frame, WsClient } from "./support/ws-client";

// Issue 10 item 3: typing, read/ack, sync and ping take tokens like sends do, per connection and
// per user; typing is coalesced. Refill is 1 token/s, so bursts fired at once cannot refill.
let h: Harness;
let chatId: string;
beforeAll(async () => {
  h = await startHarness({
    CHAT_TYPING_RATE: "0.01:3",
    CHAT_USER_TYPING_RATE: "0.01:4",
    CHAT_RECEIPT_RATE: "0.01:3",
    CHAT_USER_RECEIPT_RATE: "0.01:4",
    CHAT_SYNC_RATE: "0.01:3",
    CHAT_USER_SYNC_RATE: "0.01:4",
    CHAT_PING_RATE: "0.01:3",
    CHAT_USER_PING_RATE: "0.01:4",
    // Long enough that nothing but the first frame of a burst can be relayed during the test.
    CHAT_TYPING_RELAY_INTERVAL_MS: "60000",
  });
  chatId = await h.createGroup("alice", ["bob", "carol", "dave"]);
  const alice = await h.connect("alice");
  expect((await alice.request({ sendMessage: { chatId, clientMessageId: "first", body: "hi" } })).messageAck).toBeDefined();
  await alice.close();
});
afterAll(async () => {
  await h.stop();
});

// Sends `frames` at once and collects each one's answer ("none" for a typing frame that was
// accepted: typing is not answered). The limit is checked before any handler awaits, so every
// refusal is written before the answer to a later barrier frame of another kind.
async function burst(c: WsClient, frames: Frame[], barrier: Frame = { ping: { nonce: "b" } }): Promise<string[]> {
  const ids = frames.map((f, i) => {
    const requestId = `b${Math.random().toString(36).slice(2)}-${i}`;
    c.send({ ...f, requestId });
    return requestId;
  });
  await c.request(barrier);
  const answered = (id: string) => c.frames.find((f) => f.replyTo === id);
  if (!("typing" in frames[0])) await c.waitFor(() => ids.every(answered));
  return ids.map((id) => {
    const answer = answered(id);
    return answer?.error ? `${answer.error.code}:${answer.error.frame}:${answer.error.retryAfterMs > 0}` : answer ? "ok" : "none";
  });
}

const FRAMES: Record<string, (chatId: string) => Frame> = {
  typing: (chatId) => ({ typing: { chatId, active: true } }),
  sync: (chatId) => ({ sync: { chatId, afterSeq: "0", limit: 1 } }),
  read: (chatId) => ({ read: { chatId, seq: "1" } }),
  ping: () => ({ ping: { nonce: "p" } }),
};

test.each([
  ["typing", "bob", "none"],
  ["sync", "carol", "ok"],
  ["read", "dave", "ok"],
  ["ping", "alice", "ok"],
])("%s: three per connection, the fourth is rate_limited with a retry-after", async (kind, user, okAnswer) => {
  const c = await h.connect(user);
  const barrier = kind === "ping" ? FRAMES.sync(chatId) : undefined;
  const results = await burst(c, [1, 2, 3, 4].map(() => FRAMES[kind](chatId)), barrier);
  expect(results).toEqual([okAnswer, okAnswer, okAnswer, `rate_limited:${kind}:true`]);
  await c.close();
});

test("ack shares the receipt budget with read; a second connection shares the user's budget", async () => {
  const one = await h.connect("dave");
  // dave spent 3 receipts above (4 per user per burst, one token per 100 s since): at most 1-2 left for the user.
  const second = await h.connect("dave");
  const results = await burst(second, [1, 2, 3].map(() => ({ ack: { chatId, seq: "1" } })), { ping: { nonce: "b" } });
  expect(results.filter((r) => r.startsWith("rate_limited")).length).toBeGreaterThanOrEqual(1);
  const refused = second.frames.find((f) => f.error?.frame === "ack");
  // Refused by the user's bucket (the new connection still had its own 3).
  expect(refused?.error.message).toBe("too many receipts for this user");
  await one.close();
  await second.close();
});

test("a burst of typing frames reaches the other members once", async () => {
  const watcher = await h.connect("alice");
  const typist = await h.connect("carol");
  for (let i = 0; i < 3; i++) typist.send({ typing: { chatId, active: true } });
  await watcher.waitFor((f) => f.typing?.userId === "carol");
  // A message after the burst travels the whole pipeline; by its arrival any further typing
  // relay of the burst would have arrived too.
  const ack = await typist.request({ sendMessage: { chatId, clientMessageId: "after-typing", body: "done" } });
  expect(ack.messageAck).toBeDefined();
  await watcher.waitFor((f) => f.message?.clientMessageId === "after-typing");
  expect(watcher.frames.filter((f) => f.typing?.userId === "carol").map((f) => f.typing)).toEqual([{ chatId, userId: "carol", active: true }]);
  await watcher.close();
  await typist.close();
});
