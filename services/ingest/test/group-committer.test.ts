import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError } from "@chat/domain";
import { ChatKind, ChatSchema, MemberRole, MemberSchema } from "@chat/proto";
import type { AppendBatch, OutboxEntry, Store } from "@chat/store";
import { createEmbeddedStore } from "@chat/store/embedded";
import { GroupCommitter, type CommitLimits } from "../src/persist/group-committer";
import type { SendInput } from "../src/persist/build-message";

// The group committer on the real embedded store, behind a wrapper that records every
// appendMessages call and can hold one until the test lets it go (no timing luck).

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "group-commit-"));
  store = createEmbeddedStore({ dataDir: dir });
  await store.bootstrap();
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function chat(chatId: string, members: string[]): Promise<void> {
  await store.createChat(
    create(ChatSchema, { chatId, kind: ChatKind.GROUP, title: chatId, createdBy: members[0], createdAt: timestampFromMs(1) }),
    members.map((userId) => create(MemberSchema, { chatId, userId, role: MemberRole.MEMBER, joinedAt: timestampFromMs(1) })),
    [],
  );
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

// Records appendMessages batches; while `hold` is set, each call waits for it to open.
function recording(inner: Store) {
  const batches: AppendBatch[] = [];
  const ctl = { hold: undefined as Promise<void> | undefined, fail: undefined as Error | undefined, calls: 0 };
  const wrapped = new Proxy(inner, {
    get(t, prop, receiver) {
      if (prop === "appendMessages") {
        return async (batch: AppendBatch) => {
          ctl.calls++;
          batches.push(batch);
          if (ctl.hold) await ctl.hold;
          if (ctl.fail) throw ctl.fail;
          return t.appendMessages(batch);
        };
      }
      const v: unknown = Reflect.get(t, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { store: wrapped, batches, ctl };
}

const LIMITS: CommitLimits = { maxPerChat: 100, maxTotal: 1000, maxInFlight: 2, idempotencyTtlMs: 60_000 };

function send(chatId: string, senderId: string, clientMessageId: string, body = "hi"): SendInput {
  return { chatId, senderId, clientMessageId, body, contentType: "text/plain", traceHeaders: {} };
}

// Lets the committer run until `n` appendMessages calls have started.
async function started(ctl: { calls: number }, n: number): Promise<void> {
  for (let i = 0; i < 1000 && ctl.calls < n; i++) await new Promise((r) => setImmediate(r));
  expect(ctl.calls).toBe(n);
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof ChatError) return e.code;
    throw e;
  }
}

test("sends that queue while a commit is in flight go out together in the next one (one store call), each chat in order", async () => {
  const chats = ["c1", "c2", "c3", "c4"];
  for (const c of chats) await chat(c, ["u1", "u2"]);
  const rec = recording(store);
  const published: OutboxEntry[][] = [];
  const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 1 }, (e) => published.push(e));
  const g = gate();
  rec.ctl.hold = g.opened;
  const first = committer.submit(send("c1", "u1", "first"));
  await started(rec.ctl, 1);
  const queued = chats.flatMap((c) => [committer.submit(send(c, "u1", `${c}-a`)), committer.submit(send(c, "u2", `${c}-b`))]);
  // The first commit holds; everything else waits for it.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(rec.ctl.calls).toBe(1);
  rec.ctl.hold = undefined;
  g.open();
  const results = await Promise.all([first, ...queued]);
  expect(rec.ctl.calls).toBe(2);
  expect(rec.batches[1].chats.map((c) => [c.chatId, c.messages.length])).toEqual([
    ["c1", 2],
    ["c2", 2],
    ["c3", 2],
    ["c4", 2],
  ]);
  // Per chat, seqs follow arrival order.
  expect(results.map((r) => `${r.message.chatId}:${r.message.seq}`)).toEqual(["c1:1", "c1:2", "c1:3", "c2:1", "c2:2", "c3:1", "c3:2", "c4:1", "c4:2"]);
  expect(results.every((r) => !r.duplicate)).toBe(true);
  // Published in commit order: each chat's events in seq order.
  expect(published.map((batch) => batch.map((e) => `${e.key}:${e.seq}`))).toEqual([["c1:1"], ["c1:2", "c1:3", "c2:1", "c2:2", "c3:1", "c3:2", "c4:1", "c4:2"]]);
  expect(await store.currentSeq("c1")).toBe(3n);
});

test("sends submitted together (one PersistMessages call) go in one commit, not the first alone", async () => {
  await chat("c1", ["u1"]);
  await chat("c2", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, LIMITS, () => undefined);
  const results = await Promise.all([committer.submit(send("c1", "u1", "a")), committer.submit(send("c2", "u1", "b")), committer.submit(send("c1", "u1", "c"))]);
  expect(rec.batches.map((b) => b.chats.map((c) => [c.chatId, c.messages.length]))).toEqual([
    [
      ["c1", 2],
      ["c2", 1],
    ],
  ]);
  expect(results.map((r) => `${r.message.chatId}:${r.message.seq}`)).toEqual(["c1:1", "c2:1", "c1:2"]);
});

test("eager (a store that coalesces writes): a second commit starts while the first is in flight, without a full transaction", async () => {
  await chat("c1", ["u1"]);
  await chat("c2", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 2, eager: true }, () => undefined);
  const g = gate();
  rec.ctl.hold = g.opened;
  const first = committer.submit(send("c1", "u1", "a"));
  await started(rec.ctl, 1);
  // c2 is free: it goes at once. c1 is in the held commit: its next send waits for it.
  const second = committer.submit(send("c2", "u1", "b"));
  const sameChat = committer.submit(send("c1", "u1", "c"));
  await started(rec.ctl, 2);
  expect(rec.batches[1].chats.map((c) => c.chatId)).toEqual(["c2"]);
  rec.ctl.hold = undefined;
  g.open();
  const results = await Promise.all([first, second, sameChat]);
  expect(results.map((r) => `${r.message.chatId}:${r.message.seq}`)).toEqual(["c1:1", "c2:1", "c1:2"]);
  expect(rec.batches.map((b) => b.chats.map((c) => c.chatId))).toEqual([["c1"], ["c2"], ["c1"]]);
});

test("not eager (a store whose every commit is a request): while a commit is in flight, a second waits for a full transaction", async () => {
  await chat("c1", ["u1"]);
  await chat("c2", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 2 }, () => undefined);
  const g = gate();
  rec.ctl.hold = g.opened;
  const first = committer.submit(send("c1", "u1", "a"));
  await started(rec.ctl, 1);
  const second = committer.submit(send("c2", "u1", "b"));
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(rec.ctl.calls).toBe(1);
  rec.ctl.hold = undefined;
  g.open();
  await Promise.all([first, second]);
  expect(rec.ctl.calls).toBe(2);
});

test("a batch holds at most one transaction's items; the rest goes in the next commit", async () => {
  await chat("big", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 1 }, () => undefined);
  const g = gate();
  rec.ctl.hold = g.opened;
  const first = committer.submit(send("big", "u1", "m0"));
  await started(rec.ctl, 1);
  const rest = Array.from({ length: 40 }, (_, i) => committer.submit(send("big", "u1", `m${i + 1}`)));
  rec.ctl.hold = undefined;
  g.open();
  const results = await Promise.all([first, ...rest]);
  // 3 items per message + counter + membership check: 32 messages fill 98 of 100 items.
  expect(rec.batches.map((b) => b.chats[0].messages.length)).toEqual([1, 32, 8]);
  expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 41 }, (_, i) => BigInt(i + 1)));
});

test("two sends with one idempotency key in a batch store one message; the second is answered as its duplicate", async () => {
  await chat("c", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 1 }, () => undefined);
  const g = gate();
  rec.ctl.hold = g.opened;
  const warm = committer.submit(send("c", "u1", "warm"));
  const a = committer.submit(send("c", "u1", "same"));
  const b = committer.submit(send("c", "u1", "same"));
  rec.ctl.hold = undefined;
  g.open();
  const [, ra, rb] = await Promise.all([warm, a, b]);
  expect(ra).toMatchObject({ duplicate: false });
  expect(rb.duplicate).toBe(true);
  expect(rb.message.seq).toBe(ra.message.seq);
  expect(rb.message.messageId).toBe(ra.message.messageId);
  expect((await store.listMessages("c", { limit: 10 })).map((m) => m.clientMessageId)).toEqual(["warm", "same"]);
});

test("a retry of a stored send is a duplicate told by the transaction (no pre-read), and the batch's other sends commit", async () => {
  await chat("c", ["u1", "u2"]);
  const rec = recording(store);
  const reads: string[] = [];
  const watched = new Proxy(rec.store, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        reads.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
  const committer = new GroupCommitter(watched, LIMITS, () => undefined);
  const original = await committer.submit(send("c", "u1", "k1"));
  reads.length = 0;
  const [retry, other] = await Promise.all([committer.submit(send("c", "u1", "k1")), committer.submit(send("c", "u2", "k2"))]);
  expect(retry).toEqual({ message: original.message, duplicate: true });
  expect(other.duplicate).toBe(false);
  expect(other.message.seq).toBe(2n);
  // The duplicate was found by the append's conditions; the only read is the original message.
  expect(reads.filter((r) => r !== "appendMessages")).toEqual(["getMessage"]);
  expect((await store.listMessages("c", { limit: 10 })).map((m) => m.seq)).toEqual([1n, 2n]);
});

test("a non-member's send in a batch is not_found; the others are stored without a hole", async () => {
  await chat("c", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 1 }, () => undefined);
  const g = gate();
  rec.ctl.hold = g.opened;
  const warm = committer.submit(send("c", "u1", "w"));
  const sends = [committer.submit(send("c", "u1", "a")), committer.submit(send("c", "stranger", "b")), committer.submit(send("nochat", "u1", "c")), committer.submit(send("c", "u1", "d"))];
  rec.ctl.hold = undefined;
  g.open();
  await warm;
  expect(await Promise.all(sends.map(outcome))).toEqual(["ok", "not_found", "not_found", "ok"]);
  expect((await store.listMessages("c", { limit: 10 })).map((m) => [m.seq, m.clientMessageId])).toEqual([
    [1n, "w"],
    [2n, "a"],
    [3n, "d"],
  ]);
  expect(await store.currentSeq("nochat")).toBe(0n);
});

test("a counter moved by another writer (another replica) is refreshed from the rejection and the send retried", async () => {
  await chat("c", ["u1"]);
  const rec = recording(store);
  const a = new GroupCommitter(rec.store, LIMITS, () => undefined);
  const b = new GroupCommitter(store, LIMITS, () => undefined);
  expect((await a.submit(send("c", "u1", "a1"))).message.seq).toBe(1n);
  expect((await b.submit(send("c", "u1", "b1"))).message.seq).toBe(2n);
  expect((await b.submit(send("c", "u1", "b2"))).message.seq).toBe(3n);
  const calls = rec.ctl.calls;
  // a still believes the counter is 1: one rejected try, then seq 4.
  expect((await a.submit(send("c", "u1", "a2"))).message.seq).toBe(4n);
  expect(rec.ctl.calls - calls).toBe(2);
  expect((await store.listMessages("c", { limit: 10 })).map((m) => m.seq)).toEqual([1n, 2n, 3n, 4n]);
});

test("a failed commit fails its sends with the store's error; the next send reads the counter again and goes through", async () => {
  await chat("c", ["u1"]);
  const rec = recording(store);
  const committer = new GroupCommitter(rec.store, LIMITS, () => undefined);
  await committer.submit(send("c", "u1", "a"));
  rec.ctl.fail = new ChatError("unavailable", "store down");
  expect(await outcome(committer.submit(send("c", "u1", "b")))).toBe("unavailable");
  rec.ctl.fail = undefined;
  const again = await committer.submit(send("c", "u1", "b"));
  expect(again).toMatchObject({ duplicate: false });
  expect(again.message.seq).toBe(2n);
  expect(committer.load()).toBe(0);
});

describe("backpressure (ADR 0017)", () => {
  test("a chat holds at most maxPerChat sends; the next is refused unavailable with a retry-after; other chats go on", async () => {
    await chat("c1", ["u1"]);
    await chat("c2", ["u1"]);
    const rec = recording(store);
    const committer = new GroupCommitter(rec.store, { ...LIMITS, maxPerChat: 3 }, () => undefined);
    const g = gate();
    rec.ctl.hold = g.opened;
    const held = [1, 2, 3].map((i) => committer.submit(send("c1", "u1", `m${i}`)));
    const refused = await committer.submit(send("c1", "u1", "m4")).catch((e: ChatError) => e);
    expect(refused).toBeInstanceOf(ChatError);
    expect(refused).toMatchObject({ code: "unavailable", details: { reason: "overloaded" } });
    expect((refused as ChatError).retryAfterMs).toBeGreaterThanOrEqual(100);
    const other = committer.submit(send("c2", "u1", "x"));
    rec.ctl.hold = undefined;
    g.open();
    await Promise.all([...held, other]);
    expect(committer.load()).toBe(0);
    // Nothing was stored for the refused send.
    expect((await store.listMessages("c1", { limit: 10 })).map((m) => m.clientMessageId)).toEqual(["m1", "m2", "m3"]);
  });

  test("all chats together hold at most maxTotal sends", async () => {
    for (const c of ["a", "b", "c", "d", "e"]) await chat(c, ["u1"]);
    const rec = recording(store);
    const committer = new GroupCommitter(rec.store, { ...LIMITS, maxTotal: 4 }, () => undefined);
    const g = gate();
    rec.ctl.hold = g.opened;
    const held = ["a", "b", "c", "d"].map((c) => committer.submit(send(c, "u1", "m")));
    expect(await outcome(committer.submit(send("e", "u1", "m")))).toBe("unavailable");
    rec.ctl.hold = undefined;
    g.open();
    await Promise.all(held);
    expect(await outcome(committer.submit(send("e", "u1", "m")))).toBe("ok");
  });

  test("a send whose deadline passed while it waited is dropped without being stored", async () => {
    await chat("c", ["u1"]);
    let now = 1000;
    const rec = recording(store);
    const committer = new GroupCommitter(rec.store, { ...LIMITS, maxInFlight: 1 }, () => undefined, undefined, () => now);
    const g = gate();
    rec.ctl.hold = g.opened;
    const first = committer.submit(send("c", "u1", "first"));
    const late = committer.submit(send("c", "u1", "late"), 1500);
    now = 2000; // the first commit took longer than the second send's caller waits
    rec.ctl.hold = undefined;
    g.open();
    await first;
    expect(await outcome(late)).toBe("deadline_exceeded");
    expect((await store.listMessages("c", { limit: 10 })).map((m) => m.clientMessageId)).toEqual(["first"]);
    expect(await store.currentSeq("c")).toBe(1n);
  });

  test("a send that cannot finish before its deadline at the observed pace is refused at once, unless it is a probe after a quiet spell", async () => {
    await chat("c", ["u1"]);
    let now = 0;
    let hold: Promise<void> | undefined;
    // Every append takes 100 ms of the fake clock, and waits for `hold` if set.
    const slow = new Proxy(store, {
      get(t, prop, receiver) {
        const v: unknown = Reflect.get(t, prop, receiver);
        if (prop !== "appendMessages") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        return async (batch: AppendBatch) => {
          if (hold) await hold;
          now += 100;
          return t.appendMessages(batch);
        };
      },
    });
    const committer = new GroupCommitter(slow, LIMITS, () => undefined, undefined, () => now);
    await committer.submit(send("c", "u1", "warm"));
    // A commit takes ~100 ms: a send with 50 ms left is refused when its turn comes...
    expect(await outcome(committer.submit(send("c", "u1", "too-late"), now + 50))).toBe("unavailable");
    // ...unless no commit has ended for 5 s: then it goes as a probe (an estimate left high by
    // a slow spell must not lock ingest out for good).
    now += 5000;
    await expect(committer.submit(send("c", "u1", "alone"), now + 50)).resolves.toMatchObject({ duplicate: false });
    const g = gate();
    hold = g.opened;
    const blocker = committer.submit(send("c", "u1", "blocker"));
    // One commit ahead at ~100 ms: a caller with 50 ms left is told at once, with a retry-after.
    const refused = await committer.submit(send("c", "u1", "hurried"), now + 50).catch((e: ChatError) => e);
    expect(refused).toMatchObject({ code: "unavailable", details: { reason: "overloaded" } });
    expect((refused as ChatError).retryAfterMs).toBeGreaterThanOrEqual(100);
    // With time enough it queues; without a deadline it is never refused for time.
    const patient = committer.submit(send("c", "u1", "patient"), now + 10_000);
    const noDeadline = committer.submit(send("c", "u1", "no-deadline"));
    hold = undefined;
    g.open();
    await Promise.all([blocker, patient, noDeadline]);
    expect((await store.listMessages("c", { limit: 10 })).map((m) => m.clientMessageId)).toEqual(["warm", "alone", "blocker", "patient", "no-deadline"]);
  });
  test("the time spent reading a new chat's counter is not taken for the pace of commits", async () => {
    await chat("c", ["u1"]);
    let now = 0;
    let hold: Promise<void> | undefined;
    // The first read of a chat's counter takes 3 s of the fake clock (a cold store); every
    // append takes 10 ms and waits for `hold` if set.
    const store2 = new Proxy(store, {
      get(t, prop, receiver) {
        const v: unknown = Reflect.get(t, prop, receiver);
        if (prop === "currentSeq") {
          return async (chatId: string) => {
            now += 3000;
            return t.currentSeq(chatId);
          };
        }
        if (prop !== "appendMessages") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        return async (batch: AppendBatch) => {
          if (hold) await hold;
          now += 10;
          return t.appendMessages(batch);
        };
      },
    });
    const committer = new GroupCommitter(store2, LIMITS, () => undefined, undefined, () => now);
    await committer.submit(send("c", "u1", "first"));
    const g = gate();
    hold = g.opened;
    const blocker = committer.submit(send("c", "u1", "blocker"));
    // One 10 ms commit ahead: a caller with 500 ms left is admitted (a pace of 3 s per commit
    // would refuse it).
    const next = committer.submit(send("c", "u1", "next"), now + 500);
    hold = undefined;
    g.open();
    await Promise.all([blocker, next]);
    expect((await store.listMessages("c", { limit: 10 })).map((m) => m.clientMessageId)).toEqual(["first", "blocker", "next"]);
  });
  test("a queued send is answered overloaded just before its caller's deadline, even while its chat is in a commit", async () => {
    await chat("c", ["u1"]);
    const others = Array.from({ length: 20 }, (_, i) => `o${i}`);
    for (const o of others) await chat(o, ["u1"]);
    let now = 1000;
    const rec = recording(store);
    const committer = new GroupCommitter(rec.store, LIMITS, () => undefined, undefined, () => now);
    const g = gate();
    rec.ctl.hold = g.opened;
    const blocker = committer.submit(send("c", "u1", "blocker"));
    // Its caller gives it 1 s; the commit ahead of it hangs (a starved store).
    const waiting = committer.submit(send("c", "u1", "waiting"), 2000);
    now = 1950; // inside the last tenth of the caller's time, the caller still listening
    // Sends of other chats arrive: the queue is looked at again.
    const more = others.map((o) => committer.submit(send(o, "u1", "m")));
    const refused = await waiting.catch((e: ChatError) => e);
    expect(refused).toMatchObject({ code: "unavailable", details: { reason: "overloaded" } });
    expect((refused as ChatError).retryAfterMs).toBeGreaterThanOrEqual(100);
    rec.ctl.hold = undefined;
    g.open();
    await Promise.all([blocker, ...more]);
    expect((await store.listMessages("c", { limit: 10 })).map((m) => m.clientMessageId)).toEqual(["blocker"]);
  });
});
