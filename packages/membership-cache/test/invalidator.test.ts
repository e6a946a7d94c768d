import { create, toBinary } from "@bufbuild/protobuf";
import { TOPICS } from "@chat/domain";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { MemberSchema, MembershipChange, MembershipChangedSchema, type Member } from "@chat/proto";
import { MEMBERSHIP_TOPICS, MembershipCache, MembershipInvalidator, type MemberReads } from "../src";

// The invalidator on the embedded event log (the port's in-process adapter): the cache is
// bypassed until the subscription is up, events correct entries, a late event empties everything.
const silent = { info() {}, warn() {} };

function reads(chats: Map<string, string[]>) {
  const calls = { n: 0 };
  const store: MemberReads = {
    listMembers: async (chatId) => {
      calls.n++;
      return (chats.get(chatId) ?? []).map((userId) => create(MemberSchema, { chatId, userId }));
    },
    getMember: async (chatId, userId) => (chats.get(chatId)?.includes(userId) ? create(MemberSchema, { chatId, userId }) : undefined),
    listMembershipsOfUser: async () => ({ items: [] as Member[] }),
  };
  return { store, calls };
}

const changed = (chatId: string, userId: string) => ({ key: chatId, value: toBinary(MembershipChangedSchema, create(MembershipChangedSchema, { chatId, userId, change: MembershipChange.ADDED })) });

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("reads bypass the cache until subscribed; a membership event then corrects the chat's members", async () => {
  const log = createEmbeddedEventLog();
  await log.ensureTopics(MEMBERSHIP_TOPICS);
  const chats = new Map([["c1", ["a"]]]);
  const { store, calls } = reads(chats);
  const cleared: string[] = [];
  const cache = new MembershipCache(store, { ttlMs: 60_000, maxRows: 100 }, { read() {}, cleared: (r) => cleared.push(r) });
  const invalidator = new MembershipInvalidator(cache, log, { groupId: "g1", maxLagMs: 5000 }, silent);
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(calls.n).toBe(2); // not subscribed yet: straight to the store
  await invalidator.start();
  expect(cleared).toContain("assigned");
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(calls.n).toBe(3);
  chats.set("c1", ["a", "b"]);
  await log.publish(TOPICS.membershipsChanged.name, [changed("c1", "b")]);
  await until(() => cache.size.rows === 2);
  expect((await cache.listMembers("c1")).map((m) => m.userId)).toEqual(["a", "b"]);
  // Corrected by reading b's row, not by listing the chat again.
  expect(calls.n).toBe(3);
  await invalidator.stop();
  await cache.listMembers("c1");
  expect(calls.n).toBe(4);
  await log.close();
});

test("an event that arrives later than the lag bound empties the whole cache", async () => {
  const log = createEmbeddedEventLog();
  await log.ensureTopics(MEMBERSHIP_TOPICS);
  const { store } = reads(new Map([["c1", ["a"]], ["c2", ["b"]]]));
  const cleared: string[] = [];
  let now = Date.now();
  const cache = new MembershipCache(store, { ttlMs: 60_000, maxRows: 100 }, { read() {}, cleared: (r) => cleared.push(r) });
  const invalidator = new MembershipInvalidator(cache, log, { groupId: "g2", maxLagMs: 1000, now: () => now }, silent);
  await invalidator.start();
  await cache.listMembers("c1");
  await cache.listMembers("c2");
  now += 60_000; // the event below is a minute old when it is handled
  await log.publish(TOPICS.membershipsChanged.name, [changed("c9", "z")]);
  await until(() => cleared.includes("lag"));
  expect(cache.size.entries).toBe(0);
  await invalidator.stop();
  await log.close();
});

test("an event log that cannot be reached leaves the cache bypassed, and start() does not reject", async () => {
  const log = createEmbeddedEventLog();
  log.subscribe = async () => {
    throw new Error("broker down");
  };
  const { store, calls } = reads(new Map([["c1", ["a"]]]));
  const cache = new MembershipCache(store, { ttlMs: 60_000, maxRows: 100 });
  const invalidator = new MembershipInvalidator(cache, log, { groupId: "g3", maxLagMs: 1000, retryMs: 60_000 }, silent);
  await expect(invalidator.start()).resolves.toBeUndefined();
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(calls.n).toBe(2);
  await invalidator.stop();
  await log.close();
});

test("while the reader's fetches stall (a Kafka outage) the cache is emptied and bypassed; the next fetch turns it on again", async () => {
  const log = createEmbeddedEventLog();
  await log.ensureTopics(MEMBERSHIP_TOPICS);
  // The in-process log never stalls: its fetches are reported by hand here, as Kafka's are.
  let fetched: (() => void) | undefined;
  const subscribe = log.subscribe.bind(log);
  log.subscribe = async (options) => {
    fetched = options.onFetch;
    expect(options.commitOffsets).toBe(false);
    return subscribe(options);
  };
  const { store, calls } = reads(new Map([["c1", ["a"]]]));
  const cleared: string[] = [];
  let now = Date.now();
  const cache = new MembershipCache(store, { ttlMs: 600_000, maxRows: 100 }, { read() {}, cleared: (r) => cleared.push(r) });
  const invalidator = new MembershipInvalidator(cache, log, { groupId: "g4", maxLagMs: 5000, stallAfterMs: 50, commitOffsets: false, now: () => now }, silent);
  await invalidator.start();
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(calls.n).toBe(1);
  now += 1000; // no fetch for a second: the health check (every stallAfterMs) notices
  await until(() => cleared.includes("inactive"));
  expect(cache.size.entries).toBe(0);
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(calls.n).toBe(3); // bypassed: nothing kept
  fetched!();
  await cache.listMembers("c1");
  await cache.listMembers("c1");
  expect(calls.n).toBe(4); // active again
  await invalidator.stop();
  await log.close();
});
