import { startHarness, type Harness } from "./support/all-in-one-harness";
import { sendWithRetry } from "../support/send-with-retry";

// Issue 10 item 11: a loop of sends that treats `rate_limited` as fatal fails whenever the
// server sheds load. The shared test client (tests/support/send-with-retry.ts) retries with the
// same client_message_id after the server's retry-after, as a real client does. A tight send
// budget stands in for a busy machine, deterministically.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ CHAT_SENDS_PER_SECOND: "5", CHAT_SEND_BURST: "2", CHAT_USER_SENDS_PER_SECOND: "5", CHAT_USER_SEND_BURST: "2" });
});
afterAll(async () => {
  await h.stop();
});

test("a naive loop of 12 sends meets rate_limited with a retry-after", async () => {
  const chatId = await h.createGroup("alice", ["bob"]);
  const alice = await h.connect("alice");
  const replies = [];
  for (let i = 0; i < 12; i++) replies.push(await alice.request({ sendMessage: { chatId, clientMessageId: `naive-${i}`, body: "x" } }));
  const limited = replies.filter((r) => r.error);
  expect(limited.length).toBeGreaterThan(0);
  expect(limited[0].error).toMatchObject({ code: "rate_limited" });
  expect(Number(limited[0].error.retryAfterMs)).toBeGreaterThan(0);
  await alice.close();
});

test("the retrying client gets every one of 12 sends acknowledged once, in order, no second copy", async () => {
  const chatId = await h.createGroup("alice", ["bob"]);
  const alice = await h.connect("alice");
  const bob = await h.connect("bob");
  const retried: string[] = [];
  const acks = [];
  for (let i = 1; i <= 12; i++) acks.push(await sendWithRetry(alice, { chatId, clientMessageId: `retry-${i}`, body: `m${i}` }, { onRetry: (code) => retried.push(code) }));
  expect(retried).toContain("rate_limited");
  expect(acks.map((a) => Number(a.seq))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  // A retry of an acknowledged send (its ack lost, say) returns the original seq.
  const again = await sendWithRetry(alice, { chatId, clientMessageId: "retry-5", body: "m5" });
  expect(again).toMatchObject({ seq: "5", messageId: acks[4].messageId, duplicate: true });
  const pushed = await bob.messages(chatId, 12, 20_000);
  expect(pushed.map((m) => Number(m.seq))).toEqual(acks.map((a) => Number(a.seq)));
  await Promise.all([alice.close(), bob.close()]);
}, 60_000);
