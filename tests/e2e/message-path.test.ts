import { computeMessageId } from "@chat/domain";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { openClients } from "./support/open-clients";

let h: Harness;
const clients = openClients(() => h);
const connect = clients.connect;

beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await h.stop();
});

describe("message path (all-in-one, real WebSockets, dev-issuer tokens)", () => {
  test("two users in a chat exchange messages; the sender gets message_ack with seq and a content-hash id", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const alice = await connect("alice");
    const bob = await connect("bob");

    const ack = await alice.request({ sendMessage: { chatId, clientMessageId: "m1", body: "hi bob" } });
    expect(ack.messageAck).toMatchObject({ chatId, clientMessageId: "m1", seq: "1" });
    const [atBob] = await bob.messages(chatId, 1);
    expect(atBob).toMatchObject({ chatId, seq: "1", senderId: "alice", body: "hi bob", messageId: ack.messageAck.messageId });

    const reply = await bob.request({ sendMessage: { chatId, clientMessageId: "m2", body: "hi alice" } });
    expect(reply.messageAck.seq).toBe("2");
    const atAlice = await alice.messages(chatId, 2);
    expect(atAlice.map((m) => [m.seq, m.senderId])).toEqual([
      ["1", "alice"],
      ["2", "bob"],
    ]);

    // The id is reproducible from the stored event (tamper-evident).
    const recomputed = computeMessageId({
      chatId,
      seq: BigInt(atBob.seq),
      senderId: atBob.senderId,
      clientMessageId: atBob.clientMessageId,
      body: atBob.body,
      contentType: atBob.contentType,
      createdAtMs: Date.parse(atBob.createdAt),
    });
    expect(recomputed).toBe(atBob.messageId);
    expect(atBob.messageId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test("a user on two connections receives every message on both, in seq order", async () => {
    const chatId = await h.createGroup("alice", ["bob", "carol"]);
    const alice = await connect("alice");
    const carol1 = await connect("carol");
    const carol2 = await connect("carol");

    for (let i = 1; i <= 20; i++) alice.send({ requestId: `s${i}`, sendMessage: { chatId, clientMessageId: `order-${i}`, body: `n${i}` } });
    const want = Array.from({ length: 20 }, (_, i) => String(i + 1));
    expect((await carol1.messages(chatId, 20)).map((m) => m.seq)).toEqual(want);
    expect((await carol2.messages(chatId, 20)).map((m) => m.seq)).toEqual(want);
    expect((await carol1.messages(chatId, 20)).map((m) => m.body)).toEqual(want.map((n) => `n${n}`));
  });

  test("a retried send returns the original seq and message id and stores one copy", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const alice = await connect("alice");
    const first = await alice.request({ sendMessage: { chatId, clientMessageId: "retry-1", body: "once" } });
    const again = await alice.request({ sendMessage: { chatId, clientMessageId: "retry-1", body: "once" } });
    expect(again.messageAck).toMatchObject({ seq: first.messageAck.seq, messageId: first.messageAck.messageId, duplicate: true });
    const next = await alice.request({ sendMessage: { chatId, clientMessageId: "retry-2", body: "twice" } });
    expect(next.messageAck.seq).toBe("2");

    const history = await (await h.api("alice")).getMessageHistory({ chatId });
    expect(history.messages.map((m) => [m.seq, m.clientMessageId])).toEqual([
      [1n, "retry-1"],
      [2n, "retry-2"],
    ]);
  });

  test("after a reconnect, sync from the last seen seq returns the missed messages in order, paged", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const alice = await connect("alice");
    let bob = await connect("bob");
    await alice.request({ sendMessage: { chatId, clientMessageId: "g1", body: "before" } });
    const seen = await bob.messages(chatId, 1);
    await bob.close();
    clients.forget(bob);

    for (let i = 2; i <= 6; i++) await alice.request({ sendMessage: { chatId, clientMessageId: `g${i}`, body: `missed ${i}` } });

    bob = await connect("bob");
    const page1 = await bob.request({ sync: { chatId, afterSeq: seen[0].seq, limit: 3 } });
    expect(page1.syncResult.messages.map((m: { seq: string }) => m.seq)).toEqual(["2", "3", "4"]);
    expect(page1.syncResult).toMatchObject({ hasMore: true, nextAfterSeq: "4", lastSeq: "6" });
    const page2 = await bob.request({ sync: { chatId, afterSeq: page1.syncResult.nextAfterSeq, limit: 3 } });
    expect(page2.syncResult.messages.map((m: { seq: string }) => m.seq)).toEqual(["5", "6"]);
    expect(page2.syncResult.hasMore ?? false).toBe(false);
  });

  test("ack and read positions are stored per user and chat, never move backwards, and reach the other members", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const alice = await connect("alice");
    const bob = await connect("bob");
    for (let i = 1; i <= 3; i++) await alice.request({ sendMessage: { chatId, clientMessageId: `r${i}`, body: `m${i}` } });
    await bob.messages(chatId, 3);

    const read3 = await bob.request({ read: { chatId, seq: "3" } });
    expect(read3.receipt).toMatchObject({ chatId, userId: "bob", deliveredSeq: "3", readSeq: "3" });
    const relayed = await alice.waitFor((f) => f.receipt?.userId === "bob" && f.receipt?.readSeq === "3");
    // Bob's request id is his business: the copy for alice answers nothing of hers.
    expect(relayed.replyTo).toBeUndefined();

    const back = await bob.request({ read: { chatId, seq: "1" } });
    expect(back.receipt).toMatchObject({ deliveredSeq: "3", readSeq: "3" });
    const ackBack = await bob.request({ ack: { chatId, seq: "2" } });
    expect(ackBack.receipt).toMatchObject({ deliveredSeq: "3", readSeq: "3" });

    const stored = await (await h.api("alice")).getReceipts({ chatId });
    expect(stored.receipts.map((r) => [r.userId, r.deliveredSeq, r.readSeq])).toEqual([["bob", 3n, 3n]]);
  });

  test("frames pipelined right after auth (before hello) are handled in order once the token verifies", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const { WsClient } = await import("./support/ws-client");
    const pipelined = clients.track(await WsClient.open(h.wsUrl));
    pipelined.send({ requestId: "a", auth: { accessToken: await h.token("alice") } });
    pipelined.send({ requestId: "s1", sendMessage: { chatId, clientMessageId: "pipe-1", body: "one" } });
    pipelined.send({ requestId: "s2", sendMessage: { chatId, clientMessageId: "pipe-2", body: "two" } });
    const acks = [await pipelined.waitFor((f) => f.replyTo === "s1"), await pipelined.waitFor((f) => f.replyTo === "s2")];
    expect(acks.map((a) => a.messageAck.seq)).toEqual(["1", "2"]);
    expect(pipelined.frames.findIndex((f) => f.hello)).toBeLessThan(pipelined.frames.findIndex((f) => f.replyTo === "s1"));

    const viaQuery = clients.track(await WsClient.open(`${h.wsUrl}?access_token=${await h.token("bob")}`));
    viaQuery.send({ requestId: "q", sync: { chatId, afterSeq: "0" } });
    const synced = await viaQuery.waitFor((f) => f.replyTo === "q");
    expect(synced.syncResult.messages.map((m: { body: string }) => m.body)).toEqual(["one", "two"]);
  });

  test("typing is relayed to the other online members and ping is answered with pong", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send({ typing: { chatId, active: true } });
    await bob.waitFor((f) => f.typing?.chatId === chatId && f.typing?.userId === "alice" && f.typing?.active === true);
    const pong = await alice.request({ ping: { nonce: "n-1" } });
    expect(pong.pong.nonce).toBe("n-1");
  });

  test("a member added later is told of the membership and receives new messages at once", async () => {
    const chatId = await h.createGroup("alice", ["bob"]);
    const alice = await connect("alice");
    const dave = await connect("dave");
    await (await h.api("alice")).addMember({ chatId, userId: "dave" });
    await dave.waitFor((f) => f.membership?.chatId === chatId && f.membership?.userId === "dave");
    await alice.request({ sendMessage: { chatId, clientMessageId: "late-1", body: "welcome dave" } });
    expect((await dave.messages(chatId, 1))[0].body).toBe("welcome dave");
  });
});
