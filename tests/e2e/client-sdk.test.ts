import { ChatClientError, ChatKind } from "@chat/client/node";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { eventually, sdkClient, type SdkUser } from "./support/sdk";

let h: Harness;
const clients: SdkUser[] = [];
const user = (name: string, opts: Parameters<typeof sdkClient>[2] = {}) => {
  const u = sdkClient(h, name, opts);
  clients.push(u);
  return u;
};

beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((u) => u.client.close()));
});
afterAll(async () => {
  await h.stop();
});

describe.each(["json", "binary"] as const)("@chat/client over %s", (encoding) => {
  test("connect, create a chat over the API, send, receive in order; send resolves with the ack", async () => {
    const alice = user("alice", { encoding });
    const bob = user("bob", { encoding });
    const created = await alice.client.api.createChat({ kind: ChatKind.GROUP, title: "sdk", memberIds: ["bob"] });
    const chatId = created.chat!.chatId;
    alice.client.trackChat(chatId);
    bob.client.trackChat(chatId);
    const hello = await alice.client.connect();
    expect(hello.userId).toBe("alice");
    await bob.client.connect();
    expect(alice.client.state).toBe("open");

    const acks = [];
    for (let i = 1; i <= 5; i++) acks.push(await alice.client.send(chatId, `hello ${i}`));
    expect(acks.map((a) => a.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);
    await eventually(() => bob.of(chatId).length >= 5, 15_000, "bob's messages");
    expect(bob.of(chatId).map((m) => [m.seq, m.body])).toEqual(acks.map((a, i) => [a.seq, `hello ${i + 1}`]));
    // The sender sees its own messages once as well.
    await eventually(() => alice.of(chatId).length >= 5);
    expect(alice.of(chatId).map((m) => m.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);

    // The management API: list, members, history, receipts, all typed from the protos.
    const chats = await bob.client.api.listMyChats({});
    expect(chats.chats.map((c) => c.chatId)).toContain(chatId);
    const members = await bob.client.api.listMembers({ chatId });
    expect(members.members.map((m) => m.userId).sort()).toEqual(["alice", "bob"]);
    const history = await bob.client.api.getMessageHistory({ chatId, afterSeq: 2n, limit: 2 });
    expect(history.messages.map((m) => m.seq)).toEqual([3n, 4n]);
    const receipt = await bob.client.markRead(chatId, 5n);
    expect(receipt).toMatchObject({ chatId, userId: "bob", readSeq: 5n });
    const receipts = await alice.client.api.getReceipts({ chatId });
    expect(receipts.receipts.find((r) => r.userId === "bob")?.readSeq).toBe(5n);
  });

  test("a client connecting later first syncs the chat's history, then goes live, each seq once", async () => {
    const alice = user("alice", { encoding });
    const chatId = await h.createGroup("alice", ["carol"]);
    await alice.client.connect();
    for (let i = 1; i <= 7; i++) await alice.client.send(chatId, `early ${i}`);
    const carol = user("carol", { encoding, syncPageSize: 3 });
    const synced: bigint[] = [];
    carol.client.on("synced", (s) => s.chatId === chatId && synced.push(s.lastSeq));
    carol.client.trackChat(chatId);
    await carol.client.connect();
    await eventually(() => synced.length > 0, 15_000, "carol's sync");
    expect(carol.of(chatId).map((m) => m.seq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    await alice.client.send(chatId, "live");
    await eventually(() => carol.of(chatId).length === 8);
    expect(carol.of(chatId).map((m) => m.body).at(-1)).toBe("live");
  });
});

test("invalid arguments are rejected before anything is sent, with typed errors", async () => {
  const alice = user("alice");
  const chatId = await h.createGroup("alice", ["bob"]);
  await alice.client.connect();
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return "resolved";
    } catch (e) {
      expect(e).toBeInstanceOf(ChatClientError);
      return (e as ChatClientError).code;
    }
  };
  expect(await codeOf(alice.client.send("", "x"))).toBe("invalid_argument");
  expect(await codeOf(alice.client.send("c/../x", "x"))).toBe("invalid_argument");
  expect(await codeOf(alice.client.send(chatId, ""))).toBe("invalid_argument");
  expect(await codeOf(alice.client.send(chatId, "x", { clientMessageId: "has space" }))).toBe("invalid_argument");
  expect(await codeOf(alice.client.send(chatId, "x", { clientMessageId: "a".repeat(129) }))).toBe("invalid_argument");
  expect(await codeOf(alice.client.send(chatId, "x", { contentType: "nonsense" }))).toBe("invalid_argument");
  // The limit comes from hello.
  const max = alice.client.hello!.limits!.maxBodyBytes;
  expect(await codeOf(alice.client.send(chatId, "é".repeat(max / 2 + 1)))).toBe("message_too_large");
  expect(await codeOf(alice.client.markRead(chatId, 0n))).toBe("invalid_argument");
  expect(await codeOf(alice.client.markRead("", 1n))).toBe("invalid_argument");
  expect(alice.client.pendingSends()).toEqual([]);
  // Nothing reached the server.
  const history = await alice.client.api.getMessageHistory({ chatId });
  expect(history.messages).toEqual([]);
  // A permanent server error rejects with the server's code: not a member.
  const other = await h.createGroup("bob", ["carol"]);
  expect(await codeOf(alice.client.send(other, "intruder"))).toBe("not_found");
  expect(alice.client.pendingSends()).toEqual([]);
  // API errors carry the stable code too.
  expect(await codeOf(alice.client.api.getChat({ chatId: other }))).toBe("not_found");
});

test("typed events: membership on a new chat (which is then tracked), presence, throttled typing, others' receipts", async () => {
  const bob = user("bob");
  const alice = user("alice");
  const memberships: string[] = [];
  bob.client.on("membership", (m) => memberships.push(m.chatId));
  const presence: string[] = [];
  bob.client.on("presence", (p) => presence.push(`${p.userId}:${p.status}`));
  const typing: boolean[] = [];
  bob.client.on("typing", (t) => typing.push(t.active));
  const receipts: bigint[] = [];
  alice.client.on("receipt", (r) => r.userId === "bob" && receipts.push(r.readSeq));

  await bob.client.connect();
  const { chat } = await (await h.api("alice")).createChat({ kind: ChatKind.GROUP, title: "events", memberIds: ["bob"] });
  const chatId = chat!.chatId;
  await eventually(() => memberships.includes(chatId), 15_000, "bob's membership frame");
  await alice.client.connect();
  await eventually(() => presence.includes("alice:1"), 15_000, "alice online at bob");

  for (let i = 0; i < 5; i++) alice.client.setTyping(chatId, true);
  alice.client.setTyping(chatId, false);
  await eventually(() => typing.includes(false), 15_000, "typing stopped");
  expect(typing).toEqual([true, false]);

  const ack = await alice.client.send(chatId, "tracked because of the membership frame");
  await eventually(() => bob.of(chatId).length === 1, 15_000, "bob got the message");
  await bob.client.markRead(chatId, ack.seq);
  await eventually(() => receipts.includes(ack.seq), 15_000, "alice sees bob's read receipt");
});

test("rate_limited: sends wait the server's retry-after and go out again with the same id; order holds", async () => {
  const limited = await startHarness({ CHAT_SENDS_PER_SECOND: "2", CHAT_SEND_BURST: "2" });
  try {
    const alice = sdkClient(limited, "alice");
    clients.push(alice);
    const chatId = await limited.createGroup("alice", ["bob"]);
    const retries: Array<{ code: string; delayMs: number; id: string }> = [];
    alice.client.on("sendRetry", (r) => retries.push({ code: r.code, delayMs: r.delayMs, id: r.entry.clientMessageId }));
    await alice.client.connect();
    const acks = await Promise.all(Array.from({ length: 6 }, (_, i) => alice.client.send(chatId, `limited ${i + 1}`, { clientMessageId: `rl-${i + 1}` })));
    expect(acks.map((a) => [a.clientMessageId, a.seq])).toEqual(Array.from({ length: 6 }, (_, i) => [`rl-${i + 1}`, BigInt(i + 1)]));
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.code === "rate_limited" && r.delayMs > 0)).toBe(true);
    const history = await alice.client.api.getMessageHistory({ chatId });
    expect(history.messages.map((m) => m.body)).toEqual(Array.from({ length: 6 }, (_, i) => `limited ${i + 1}`));
  } finally {
    await Promise.all(clients.splice(0).map((u) => u.client.close()));
    await limited.stop();
  }
});
