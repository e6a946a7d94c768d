import { create, toBinary } from "@bufbuild/protobuf";
import { TOPICS } from "@chat/domain";
import type { EventRecord } from "@chat/eventlog";
import { ChatCreatedSchema, MemberSchema, MembershipChange, MembershipChangedSchema, type Member } from "@chat/proto";
import type { Page } from "@chat/store";
import { changeOf, MembershipCache, type MemberReads } from "../src";

// The cache's rules with a counting fake of the Store's member reads (pure logic; the
// integration suite runs it on DynamoDB and Kafka).
const member = (chatId: string, userId: string): Member => create(MemberSchema, { chatId, userId });

class FakeReads implements MemberReads {
  readonly chats = new Map<string, string[]>();
  calls = 0;
  gate: Promise<void> | undefined;
  async listMembers(chatId: string): Promise<Member[]> {
    this.calls++;
    const snapshot = [...(this.chats.get(chatId) ?? [])];
    await this.gate;
    return snapshot.map((u) => member(chatId, u));
  }
  memberCalls = 0;
  memberGate: Promise<void> | undefined;
  failMember = false;
  async getMember(chatId: string, userId: string): Promise<Member | undefined> {
    this.calls++;
    this.memberCalls++;
    const found = this.chats.get(chatId)?.includes(userId) ? member(chatId, userId) : undefined;
    await this.memberGate;
    if (this.failMember) throw new Error("store down");
    return found;
  }
  async listMembershipsOfUser(userId: string, opts: { limit: number }): Promise<Page<Member>> {
    this.calls++;
    const items = [...this.chats].filter(([, us]) => us.includes(userId)).map(([c]) => member(c, userId));
    return { items: items.slice(0, opts.limit) };
  }
}

function setup(options: { ttlMs?: number; maxRows?: number } = {}) {
  const reads = new FakeReads();
  let now = 1_000;
  const cleared: string[] = [];
  const cache = new MembershipCache(reads, { ttlMs: options.ttlMs ?? 60_000, maxRows: options.maxRows ?? 1000, now: () => now }, { read() {}, cleared: (r) => cleared.push(r) });
  cache.setActive(true);
  return { reads, cache, cleared, advance: (ms: number) => (now += ms) };
}

const userIds = (ms: Member[]) => ms.map((m) => m.userId);

test("a chat's members are read from the store once, then from memory", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a", "b"]);
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b"]);
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b"]);
  expect(reads.calls).toBe(1);
});

test("a membership event drops the chat's list, so the next read sees an added or removed member", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a", "b"]);
  await cache.listMembers("c1");
  reads.chats.set("c1", ["a", "b", "c"]);
  cache.apply({ chatId: "c1", userIds: ["c"], complete: true });
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b", "c"]);
  reads.chats.set("c1", ["a", "c"]);
  cache.apply({ chatId: "c1", userIds: ["b"], complete: true });
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "c"]);
});

test("an event corrects a cached list by reading only the users it names; order and repeats of events do not matter", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["b", "d"]);
  await cache.listMembers("c1");
  reads.chats.set("c1", ["a", "b", "c", "d"]);
  cache.apply({ chatId: "c1", userIds: ["c"], complete: true });
  cache.apply({ chatId: "c1", userIds: ["a"], complete: true });
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b", "c", "d"]);
  expect([...(await cache.memberIds("c1")).keys()].sort()).toEqual(["a", "b", "c", "d"]);
  // c added then removed; the add's event comes again after the removal's (a replay).
  reads.chats.set("c1", ["a", "b", "d"]);
  cache.apply({ chatId: "c1", userIds: ["c"], complete: true });
  cache.apply({ chatId: "c1", userIds: ["c"], complete: true });
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b", "d"]);
  expect(await cache.getMember("c1", "c")).toBeUndefined();
  expect(reads.calls - reads.memberCalls).toBe(1);
});

test("a user named again while their row is read is read again; reads wait for the correction", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a"]);
  await cache.listMembers("c1");
  let open!: () => void;
  reads.memberGate = new Promise((r) => (open = r));
  reads.chats.set("c1", ["a", "b"]);
  cache.apply({ chatId: "c1", userIds: ["b"], complete: true }); // reads "b" present, answers later
  reads.chats.set("c1", ["a"]);
  cache.apply({ chatId: "c1", userIds: ["b"], complete: true }); // removed meanwhile
  const list = cache.listMembers("c1");
  const isMember = cache.getMember("c1", "b");
  open();
  reads.memberGate = undefined;
  expect(userIds(await list)).toEqual(["a"]);
  expect(await isMember).toBeUndefined();
  expect(reads.memberCalls).toBe(2);
});

test("a correction that fails drops the list; the next read lists the store again", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a"]);
  await cache.listMembers("c1");
  reads.failMember = true;
  reads.chats.set("c1", ["a", "b"]);
  cache.apply({ chatId: "c1", userIds: ["b"], complete: true });
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b"]);
  expect(reads.calls - reads.memberCalls).toBe(2);
});

test("an event naming many users (a chat created with its members) drops the list", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a"]);
  await cache.listMembers("c1");
  const many = Array.from({ length: 40 }, (_, i) => `u${i}`);
  reads.chats.set("c1", ["a", ...many]);
  cache.apply({ chatId: "c1", userIds: many, complete: true });
  expect((await cache.listMembers("c1")).length).toBe(41);
  expect(reads.memberCalls).toBe(0);
  expect(reads.calls).toBe(2);
});

test("a load that started before an invalidation is not kept", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a"]);
  let open!: () => void;
  reads.gate = new Promise((r) => (open = r));
  const slow = cache.listMembers("c1"); // reads ["a"], answers later
  reads.chats.set("c1", ["a", "b"]);
  cache.apply({ chatId: "c1", userIds: ["b"], complete: true });
  open();
  expect(userIds(await slow)).toEqual(["a"]);
  reads.gate = undefined;
  expect(userIds(await cache.listMembers("c1"))).toEqual(["a", "b"]);
});

test("concurrent misses of one chat share one store read", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a"]);
  await Promise.all(Array.from({ length: 10 }, () => cache.listMembers("c1")));
  expect(reads.calls).toBe(1);
});

test("inactive (no invalidations arriving): every read goes to the store and nothing is kept", async () => {
  const { reads, cache, cleared } = setup();
  reads.chats.set("c1", ["a"]);
  await cache.listMembers("c1");
  cache.setActive(false);
  expect(cleared).toEqual(["inactive"]);
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(reads.calls).toBe(3);
  expect(cache.size.entries).toBe(0);
});

test("entries expire after the TTL even without an event", async () => {
  const { reads, cache, advance } = setup({ ttlMs: 5000 });
  reads.chats.set("c1", ["a"]);
  await cache.listMembers("c1");
  advance(4999);
  await cache.listMembers("c1");
  expect(reads.calls).toBe(1);
  advance(1);
  await cache.listMembers("c1");
  expect(reads.calls).toBe(2);
});

test("memory is bounded by member rows; the least recently used entries go first", async () => {
  const { reads, cache } = setup({ maxRows: 10 });
  for (const c of ["c1", "c2", "c3"]) reads.chats.set(c, ["a", "b", "c", "d"]);
  await cache.listMembers("c1");
  await cache.listMembers("c2");
  await cache.listMembers("c1"); // c2 is now the oldest
  await cache.listMembers("c3");
  expect(cache.size).toEqual({ entries: 2, rows: 8 });
  reads.calls = 0;
  await cache.listMembers("c1");
  await cache.listMembers("c3");
  expect(reads.calls).toBe(0);
  await cache.listMembers("c2");
  expect(reads.calls).toBe(1);
  // A list larger than the whole bound is served but never kept.
  reads.chats.set("big", Array.from({ length: 11 }, (_, i) => `u${i}`));
  await cache.listMembers("big");
  await cache.listMembers("big");
  expect(reads.calls).toBe(3);
});

test("a membership is answered from the chat's cached list; 'not a member' is never cached", async () => {
  const { reads, cache } = setup();
  reads.chats.set("c1", ["a"]);
  expect(await cache.getMember("c2", "a")).toBeUndefined();
  reads.chats.set("c2", ["a"]);
  // Added without this process seeing the event yet: still found.
  expect((await cache.getMember("c2", "a"))?.userId).toBe("a");
  await cache.listMembers("c1");
  reads.calls = 0;
  expect((await cache.getMember("c1", "a"))?.userId).toBe("a");
  expect(await cache.getMember("c1", "z")).toBeUndefined();
  expect(reads.calls).toBe(0);
  // A cached membership goes with its event.
  expect((await cache.getMember("c2", "a"))?.userId).toBe("a");
  reads.chats.set("c2", []);
  cache.apply({ chatId: "c2", userIds: ["a"], complete: true });
  expect(await cache.getMember("c2", "a")).toBeUndefined();
});

test("a user's list of chats goes with any event naming the user; an incomplete event drops everything", async () => {
  const { reads, cache, cleared } = setup();
  reads.chats.set("c1", ["a", "b"]);
  expect((await cache.listMembershipsOfUser("a", { limit: 100 })).items).toHaveLength(1);
  reads.chats.set("c2", ["a"]);
  cache.apply({ chatId: "c2", userIds: ["a"], complete: true });
  expect((await cache.listMembershipsOfUser("a", { limit: 100 })).items).toHaveLength(2);
  await cache.listMembers("c1");
  cache.apply({ chatId: "c9", userIds: [], complete: false });
  expect(cleared).toEqual(["incomplete_event"]);
  expect(cache.size.entries).toBe(0);
});

test("bad options are refused", () => {
  const reads = new FakeReads();
  expect(() => new MembershipCache(reads, { ttlMs: 0, maxRows: 1 })).toThrow(/ttlMs/);
  expect(() => new MembershipCache(reads, { ttlMs: 1, maxRows: 1.5 })).toThrow(/maxRows/);
});

describe("changeOf", () => {
  const rec = (topic: string, key: string, value: Uint8Array): EventRecord => ({ topic, partition: 0, offset: "0", key, value, headers: {}, timestampMs: 0 });

  test("memberships.changed names the chat and the user", () => {
    const value = toBinary(MembershipChangedSchema, create(MembershipChangedSchema, { chatId: "c1", userId: "u1", change: MembershipChange.ADDED }));
    expect(changeOf(rec(TOPICS.membershipsChanged.name, "c1", value))).toEqual({ chatId: "c1", userIds: ["u1"], complete: true });
  });

  test("chats.created names the chat and every initial member", () => {
    const value = toBinary(ChatCreatedSchema, create(ChatCreatedSchema, { chat: { chatId: "c1" }, members: [member("c1", "a"), member("c1", "b")] }));
    expect(changeOf(rec(TOPICS.chatsCreated.name, "c1", value))).toEqual({ chatId: "c1", userIds: ["a", "b"], complete: true });
  });

  test("a payload that does not decode is incomplete; other topics are not membership events", () => {
    expect(changeOf(rec(TOPICS.membershipsChanged.name, "c1", new Uint8Array([0xff, 0xff, 0xff])))).toEqual({ chatId: "c1", userIds: [], complete: false });
    expect(changeOf(rec(TOPICS.messagesPersisted.name, "c1", new Uint8Array()))).toBeUndefined();
  });
});
