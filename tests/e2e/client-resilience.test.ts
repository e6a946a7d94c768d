import type { ChatApi, Message, SendAck, StateChange } from "@chat/client/node";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { eventually, sdkClient, type SdkUser } from "./support/sdk";
import { TcpProxy } from "./support/tcp-proxy";

// The SDK's guarantees under connections cut mid-stream, against the real all-in-one:
// nothing acknowledged is lost, nothing is emitted twice, each chat's order holds, and the
// token is refreshed.

async function storedSeqs(api: ChatApi, chatId: string): Promise<bigint[]> {
  const out: bigint[] = [];
  for (let after = 0n; ; ) {
    const page = await api.getMessageHistory({ chatId, afterSeq: after, limit: 100 });
    out.push(...page.messages.map((m) => m.seq));
    if (!page.hasMore || page.messages.length === 0) return out;
    after = page.messages.at(-1)!.seq;
  }
}

// Every acknowledged send is in the store and was emitted; the emitted seqs of the chat are
// strictly increasing (in order, no duplicates) and are exactly what the store holds.
async function expectExactlyOnceInOrder(received: Message[], acks: SendAck[], chatId: string, api: ChatApi): Promise<void> {
  const got = received.filter((m) => m.chatId === chatId).map((m) => m.seq);
  for (let i = 1; i < got.length; i++) expect(got[i] > got[i - 1]).toBe(true);
  const stored = await storedSeqs(api, chatId);
  const acked = acks.filter((a) => a.chatId === chatId).map((a) => a.seq);
  expect(new Set(acked).size).toBe(acked.length);
  expect(stored).toEqual(expect.arrayContaining(acked));
  expect(got).toEqual(stored);
}

const sendAll = (u: SdkUser, chats: string[], n: number, prefix: string) => {
  const sends = chats.flatMap((chatId) => Array.from({ length: n }, (_, i) => u.client.send(chatId, `${prefix} ${chatId.slice(-4)} #${i + 1}`)));
  // A failing assertion must report itself, not the sends that close() rejects afterwards.
  for (const p of sends) p.catch(() => undefined);
  return sends;
};

describe("through a TCP proxy that breaks connections without a close frame", () => {
  let h: Harness;
  let proxy: TcpProxy;
  const users: SdkUser[] = [];
  beforeAll(async () => {
    h = await startHarness();
    proxy = await TcpProxy.start(h.app.gateway.port);
  });
  afterAll(async () => {
    await Promise.all(users.map((u) => u.client.close()));
    await proxy.stop();
    await h.stop();
  });

  test.each(["json", "binary"] as const)("%s: resets and a silent (half-open) path mid-stream lose nothing and duplicate nothing", async (encoding) => {
    const chats = [await h.createGroup("alice", ["bob"]), await h.createGroup("alice", ["bob"])];
    const opts = { url: proxy.url(), encoding, pingIntervalMs: 300, pongTimeoutMs: 1000, chats: Object.fromEntries(chats.map((c) => [c, 0n])) };
    const alice = sdkClient(h, "alice", opts);
    const bob = sdkClient(h, "bob", opts);
    users.push(alice, bob);
    const acks: SendAck[] = [];
    alice.client.on("ack", (a) => acks.push(a));
    await Promise.all([alice.client.connect(), bob.client.connect()]);

    const n = 25;
    const sends = sendAll(alice, chats, n, "via proxy");
    // Break the path whenever some more sends got through: three resets, then a blackhole.
    for (let round = 1; round <= 4; round++) {
      const target = Math.min(round * 10, 2 * n - 2);
      await eventually(() => acks.length >= target, 30_000, `${target} acks`);
      if (round < 4) proxy.cut();
      else proxy.blackhole();
    }
    const results = await Promise.all(sends);
    expect(results.length).toBe(2 * n);
    for (const chatId of chats) {
      await eventually(() => bob.of(chatId).length >= n && alice.of(chatId).length >= n, 30_000, "every message at both ends");
      await expectExactlyOnceInOrder(bob.messages, results, chatId, bob.client.api);
      await expectExactlyOnceInOrder(alice.messages, results, chatId, bob.client.api);
      // Per chat, the acks follow the order send() was called in.
      const mine = results.filter((a) => a.chatId === chatId);
      expect(mine.map((a) => a.seq)).toEqual([...mine.map((a) => a.seq)].sort((x, y) => (x < y ? -1 : 1)));
      expect(bob.of(chatId).map((m) => m.body)).toEqual(Array.from({ length: n }, (_, i) => `via proxy ${chatId.slice(-4)} #${i + 1}`));
    }
    // Each break was noticed and followed by a reconnect (the blackhole by the missing pong).
    expect(alice.states.filter((s) => s === "reconnecting").length).toBeGreaterThanOrEqual(4);
    expect(alice.client.pendingSends()).toEqual([]);
  }, 120_000);
});

describe("server-side closes: a restart of the all-in-one on the same data, and token expiry", () => {
  test("sends queued while the server is down are delivered once, in order; tokens are refreshed before expiry and after token_expired", async () => {
    let h = await startHarness();
    // Stable addresses for the clients, as a load balancer gives them; the restarted
    // all-in-one comes up on new ephemeral ports behind them.
    const ws = await TcpProxy.start(h.app.gateway.port);
    const rest = await TcpProxy.start(h.app.chatmgmt.port);
    const chatId = await h.createGroup("alice", ["bob"]);
    // Short-lived tokens from the (current) dev issuer; alice's first one is already expired.
    let aliceTokens = 0;
    const shortLived = (user: string) => async () => h.app.devIssuer!.mintAccessToken(user, { expiresInSec: user === "alice" && aliceTokens++ === 0 ? -60 : 6 });
    const common = { url: ws.url(), apiUrl: rest.url("http", ""), chats: { [chatId]: 0n } };
    const alice = sdkClient(h, "alice", { ...common, token: shortLived("alice") });
    const bob = sdkClient(h, "bob", { ...common, token: shortLived("bob") });
    const aliceStates: StateChange[] = [];
    alice.client.on("state", (s) => aliceStates.push(s));
    const errors: string[] = [];
    alice.client.on("error", (e) => errors.push(e.code));
    try {
      await Promise.all([alice.client.connect(), bob.client.connect()]);
      // The expired token was refused (4401) and the provider asked again.
      expect(alice.tokenCalls.slice(0, 2)).toEqual(["initial", "expired"]);
      expect(errors).toContain("token_expired");

      const n = 30;
      const acks: SendAck[] = [];
      alice.client.on("ack", (a) => acks.push(a));
      const sends = sendAll(alice, [chatId], n, "restart");
      await eventually(() => acks.length >= 10, 30_000, "10 acks");
      await h.stop();
      const ackedWhileUp = acks.length;
      h = await startHarness({}, h.dataDir);
      ws.retarget(h.app.gateway.port);
      rest.retarget(h.app.chatmgmt.port);
      const results = await Promise.all(sends);
      expect(ackedWhileUp).toBeLessThan(n); // some sends really waited for the restart
      await eventually(() => bob.of(chatId).length >= n && alice.of(chatId).length >= n, 30_000, "every message at both ends");
      await expectExactlyOnceInOrder(bob.messages, results, chatId, bob.client.api);
      await expectExactlyOnceInOrder(alice.messages, results, chatId, alice.client.api);
      expect(bob.of(chatId).map((m) => m.body)).toEqual(Array.from({ length: n }, (_, i) => `restart ${chatId.slice(-4)} #${i + 1}`));

      // The drain's connection_closing hint was honoured (the client's own first backoff is < 50 ms).
      const afterShutdown = aliceStates.find((s) => s.state === "reconnecting" && s.reason === "server_shutdown");
      expect(afterShutdown?.delayMs).toBeGreaterThanOrEqual(250);
      // The restarted issuer has a new address, so the old tokens are refused and replaced.
      expect(alice.tokenCalls.filter((r) => r === "expired").length).toBeGreaterThanOrEqual(2);
      // 6-second tokens are replaced before they expire: the client reconnects with a fresh one.
      await eventually(() => alice.tokenCalls.includes("refresh") && bob.tokenCalls.includes("refresh"), 15_000, "a proactive refresh");
      const before = bob.messages.length;
      const late = await alice.client.send(chatId, "after refresh");
      await eventually(() => bob.messages.length > before);
      expect(bob.messages.at(-1)).toMatchObject({ seq: late.seq, body: "after refresh" });
    } finally {
      await Promise.all([alice.client.close(), bob.client.close()]);
      await Promise.all([ws.stop(), rest.stop()]);
      await h.stop();
    }
  }, 120_000);
});
