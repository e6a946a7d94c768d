import { startHarness, type Harness } from "./support/all-in-one-harness";

// Layered limits with small numbers so they trip quickly. Refill is one token per 100 s, so no
// refill lands between the requests of a test even on a busy machine (1/s did, now and then).
let h: Harness;
let chatId: string;
beforeAll(async () => {
  h = await startHarness({
    CHAT_API_REQUESTS_PER_SECOND_PER_USER: "0.01",
    CHAT_API_BURST_PER_USER: "5",
    CHAT_API_REQUESTS_PER_SECOND_PER_IP: "0.01",
    CHAT_API_BURST_PER_IP: "12",
    CHAT_SENDS_PER_SECOND: "0.01",
    CHAT_SEND_BURST: "3",
    CHAT_USER_SENDS_PER_SECOND: "0.01",
    CHAT_USER_SEND_BURST: "5",
  });
  chatId = await h.createGroup("alice", ["bob", "carol"]);
});
afterAll(async () => {
  await h.stop();
});

const get = async (user: string) => {
  const res = await fetch(`${h.apiUrl}/api/v1/chats/${chatId}`, { headers: { authorization: `Bearer ${await h.token(user)}` } });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as { code?: string } };
};

test("REST: per user, then per IP, answered 429 rate_limited with Retry-After", async () => {
  // alice already spent one request creating the chat: 4 more fit her burst of 5.
  const alice = [];
  for (let i = 0; i < 6; i++) alice.push(await get("alice"));
  expect(alice.slice(0, 4).map((r) => r.status)).toEqual([200, 200, 200, 200]);
  const limited = alice[4];
  expect(limited).toMatchObject({ status: 429, body: { code: "rate_limited" } });
  expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);

  // Other users from the same address still have their own budget, until the address's runs out
  // (12 per burst: 1 create + 6 alice + 5 bob).
  const bob = [];
  for (let i = 0; i < 6; i++) bob.push(await get("bob"));
  expect(bob.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(bob[5]).toMatchObject({ status: 429, body: { code: "rate_limited" } });
  const carol = await get("carol");
  expect(carol).toMatchObject({ status: 429, body: { code: "rate_limited" } });
});

test("WebSocket: per connection and per user, answered with rate_limited and retry_after_ms", async () => {
  const one = await h.connect("bob");
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await one.request({ sendMessage: { chatId, clientMessageId: `rl-${i}`, body: "x" } }));
  expect(results.slice(0, 3).every((r) => r.messageAck)).toBe(true);
  expect(results[3].error).toMatchObject({ code: "rate_limited", frame: "send_message" });
  expect(results[3].error.retryAfterMs).toBeGreaterThan(0);

  // A second connection of the same user has its own connection budget but shares the user's
  // (5 per burst: 3 already spent on the first connection).
  const two = await h.connect("bob");
  const more = [];
  for (let i = 0; i < 3; i++) more.push(await two.request({ sendMessage: { chatId, clientMessageId: `rl2-${i}`, body: "x" } }));
  expect(more.map((r) => (r.messageAck ? "ok" : r.error.code))).toEqual(["ok", "ok", "rate_limited"]);
  // The refused sends stored nothing (sync is not rate limited).
  const synced = await two.request({ sync: { chatId, afterSeq: "0", limit: 100 } });
  expect(synced.syncResult.messages.map((m: { clientMessageId: string }) => m.clientMessageId).sort()).toEqual(["rl-0", "rl-1", "rl-2", "rl2-0", "rl2-1"]);
  await one.close();
  await two.close();
});
