import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError } from "@chat/domain";
import {
  ChatKind,
  ChatSchema,
  MemberRole,
  MemberSchema,
  MessageSchema,
  type Chat,
  type Member,
  type Message,
} from "@chat/proto";
import { OUTBOX_SHARDS, compareDrainOrder, outboxShardOf } from "../outbox-shard";
import { MAX_APPEND_ITEMS, appendItemCount } from "../append-batch";
import type { AppendBatch, AppendResult, OutboxEntry, Store } from "../port";

// The Store contract: one jest suite every adapter (embedded, DynamoDB) runs unchanged, so the
// embedded stand-in and the real thing cannot drift apart. Ids are unique per test and run, so
// the suite can share a backing store (e.g. one DynamoDB Local) with other suites; the outbox
// is global, so outbox assertions only look at the entries a test wrote itself.

export interface StoreUnderTest {
  store: Store;
  // Closes the current store and opens a new one on the same backing data (same directory,
  // same tables): what a process restart does. Later calls to `store` use the new instance.
  reopen(): Promise<Store>;
  // Closes the current store and removes the backing data.
  cleanup(): Promise<void>;
}

// A StoreUnderTest from how to open the store on its backing data and how to remove that data.
export async function reopenableStore(open: () => Promise<Store>, removeData: () => Promise<void>): Promise<StoreUnderTest> {
  const subject: StoreUnderTest = {
    store: await open(),
    async reopen() {
      await subject.store.close();
      subject.store = await open();
      return subject.store;
    },
    async cleanup() {
      await subject.store.close();
      await removeData();
    },
  };
  return subject;
}

const T0 = Date.UTC(2025, 0, 1);

export function describeStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    const store = (): Store => subject.store;

    const run = randomUUID().slice(0, 8);
    let counter = 0;
    const uid = (prefix: string) => `${prefix}-${run}-${++counter}`;

    beforeAll(async () => {
      subject = await factory();
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    function chat(chatId = uid("chat"), fields: Partial<Pick<Chat, "title" | "kind">> = {}): Chat {
      return create(ChatSchema, { chatId, kind: ChatKind.GROUP, title: `title of ${chatId}`, createdBy: "u-owner", createdAt: timestampFromMs(T0), ...fields });
    }

    function member(chatId: string, userId: string, role = MemberRole.MEMBER): Member {
      return create(MemberSchema, { chatId, userId, role, joinedAt: timestampFromMs(T0 + 1000) });
    }

    function message(chatId: string, seq: bigint, senderId = "u-sender", clientMessageId = uid("cm")): Message {
      return create(MessageSchema, {
        chatId,
        seq,
        messageId: `mid-${chatId}-${seq}`,
        senderId,
        clientMessageId,
        body: `body ${seq}`,
        contentType: "text/plain",
        createdAt: timestampFromMs(T0 + Number(seq)),
      });
    }

    // Increasing createdAtMs in call order, so "oldest first" has one right answer.
    let outboxClock = Date.now();
    function event(key: string, topic = "chats.created"): OutboxEntry {
      return { id: uid("ob"), topic, key, payload: new Uint8Array([1, 2, 3, counter % 256]), createdAtMs: ++outboxClock };
    }

    async function outboxIds(): Promise<string[]> {
      return (await store().listOutbox(100_000)).map((e) => e.id);
    }

    async function createdChat(members: string[] = [], outbox: OutboxEntry[] = []): Promise<Chat> {
      const c = chat();
      await store().createChat(c, members.map((u) => member(c.chatId, u)), outbox);
      return c;
    }

    const json = {
      chat: (c: Chat | undefined) => c && toJson(ChatSchema, c),
      member: (m: Member | undefined) => m && toJson(MemberSchema, m),
      message: (m: Message | undefined) => m && toJson(MessageSchema, m),
    };

    async function expectChatError(p: Promise<unknown>, code: ChatError["code"]): Promise<void> {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ChatError);
      expect((err as ChatError).code).toBe(code);
    }

    describe("lifecycle", () => {
      it("bootstrap is idempotent and ping answers", async () => {
        await store().bootstrap();
        await expect(store().ping()).resolves.toBeUndefined();
      });
    });

    describe("chats", () => {
      it("createChat stores the chat and its members; getChat returns it with lastSeq 0", async () => {
        const c = chat();
        await store().createChat(c, [member(c.chatId, "u-a", MemberRole.ADMIN), member(c.chatId, "u-b")], []);
        expect(json.chat(await store().getChat(c.chatId))).toEqual(json.chat(c));
        expect((await store().getChat(c.chatId))?.lastSeq).toBe(0n);
        expect((await store().listMembers(c.chatId)).map((m) => [m.userId, m.role])).toEqual([
          ["u-a", MemberRole.ADMIN],
          ["u-b", MemberRole.MEMBER],
        ]);
      });

      it("getChat of an unknown id is undefined", async () => {
        expect(await store().getChat(uid("nochat"))).toBeUndefined();
      });

      it("getChats returns the known chats and leaves unknown ids out", async () => {
        const a = await createdChat();
        const b = await createdChat();
        const got = await store().getChats([a.chatId, uid("nochat"), b.chatId]);
        expect(got.map((c) => c.chatId).sort()).toEqual([a.chatId, b.chatId].sort());
        expect(got.find((c) => c.chatId === b.chatId)?.title).toBe(b.title);
        expect(await store().getChats([])).toEqual([]);
      });

      it("lastSeq follows the sequence counter", async () => {
        const c = await createdChat();
        await store().allocateSeq(c.chatId);
        await store().allocateSeq(c.chatId);
        expect((await store().getChat(c.chatId))?.lastSeq).toBe(2n);
        expect((await store().getChats([c.chatId]))[0]?.lastSeq).toBe(2n);
      });

      it("a duplicate chat id fails with already_exists and changes nothing", async () => {
        const first = event("k");
        const c = await createdChat(["u-a"], [first]);
        const again = chat(c.chatId, { title: "another title" });
        const second = event(c.chatId);
        await expectChatError(store().createChat(again, [member(c.chatId, "u-intruder")], [second]), "already_exists");
        expect((await store().getChat(c.chatId))?.title).toBe(c.title);
        expect((await store().listMembers(c.chatId)).map((m) => m.userId)).toEqual(["u-a"]);
        const ids = await outboxIds();
        expect(ids).toContain(first.id);
        expect(ids).not.toContain(second.id);
      });
    });

    describe("members", () => {
      it("addMember adds once; a second add is false and keeps the first", async () => {
        const c = await createdChat(["u-a"]);
        const ev = event(c.chatId, "memberships.changed");
        expect(await store().addMember(member(c.chatId, "u-b", MemberRole.ADMIN), [ev])).toBe(true);
        const again = event(c.chatId, "memberships.changed");
        expect(await store().addMember(member(c.chatId, "u-b", MemberRole.MEMBER), [again])).toBe(false);
        expect(json.member(await store().getMember(c.chatId, "u-b"))).toEqual(json.member(member(c.chatId, "u-b", MemberRole.ADMIN)));
        expect((await store().listMembers(c.chatId)).map((m) => m.userId)).toEqual(["u-a", "u-b"]);
        const ids = await outboxIds();
        expect(ids).toContain(ev.id);
        expect(ids).not.toContain(again.id);
      });

      it("removeMember removes; removing an absent member is false and writes nothing", async () => {
        const c = await createdChat(["u-a", "u-b"]);
        expect(await store().removeMember(c.chatId, "u-a", [event(c.chatId)])).toBe(true);
        expect(await store().getMember(c.chatId, "u-a")).toBeUndefined();
        const noop = event(c.chatId);
        expect(await store().removeMember(c.chatId, "u-a", [noop])).toBe(false);
        expect(await store().removeMember(c.chatId, "u-never", [])).toBe(false);
        expect((await store().listMembers(c.chatId)).map((m) => m.userId)).toEqual(["u-b"]);
        expect(await outboxIds()).not.toContain(noop.id);
      });

      it("countMembers follows creation, adds and removes, and is 0 for an unknown chat", async () => {
        const c = await createdChat(["u-a", "u-b"]);
        expect(await store().countMembers(c.chatId)).toBe(2);
        expect(await store().addMember(member(c.chatId, "u-c", MemberRole.MEMBER), [])).toBe(true);
        expect(await store().addMember(member(c.chatId, "u-c", MemberRole.MEMBER), [])).toBe(false);
        expect(await store().countMembers(c.chatId)).toBe(3);
        expect(await store().removeMember(c.chatId, "u-a", [])).toBe(true);
        expect(await store().removeMember(c.chatId, "u-a", [])).toBe(false);
        expect(await store().countMembers(c.chatId)).toBe(2);
        // Concurrent adds while the count is first taken: it still ends exact.
        const d = await createdChat(["u-a"]);
        const adds = Array.from({ length: 10 }, (_, i) => store().addMember(member(d.chatId, `u-x${i}`, MemberRole.MEMBER), []));
        const during = store().countMembers(d.chatId);
        await Promise.all([...adds, during]);
        expect(await store().countMembers(d.chatId)).toBe(11);
        expect(await store().countMembers(uid("c-unknown"))).toBe(0);
      });

      it("updateMemberRole changes the role of a member and is undefined for a non-member", async () => {
        const c = await createdChat(["u-a"]);
        const updated = await store().updateMemberRole(c.chatId, "u-a", MemberRole.ADMIN, [event(c.chatId)]);
        expect(json.member(updated)).toEqual(json.member(member(c.chatId, "u-a", MemberRole.ADMIN)));
        expect((await store().getMember(c.chatId, "u-a"))?.role).toBe(MemberRole.ADMIN);
        const noop = event(c.chatId);
        expect(await store().updateMemberRole(c.chatId, "u-nobody", MemberRole.ADMIN, [noop])).toBeUndefined();
        expect(await store().getMember(c.chatId, "u-nobody")).toBeUndefined();
        expect(await outboxIds()).not.toContain(noop.id);
      });

      it("listMembershipsOfUser pages by chat id with cursors", async () => {
        const user = uid("u-paged");
        const chatIds: string[] = [];
        for (let i = 0; i < 7; i++) chatIds.push((await createdChat([user, "u-other"])).chatId);
        chatIds.sort();
        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store().listMembershipsOfUser(user, { limit: 3, cursor });
          pages.push(page.items.map((m) => m.chatId));
          expect(page.items.every((m) => m.userId === user)).toBe(true);
          cursor = page.nextCursor;
        } while (cursor !== undefined && pages.length < 10);
        expect(pages).toEqual([chatIds.slice(0, 3), chatIds.slice(3, 6), chatIds.slice(6)]);
      });

      it("listMembershipsOfUser has no cursor when everything fits, and nothing for a stranger", async () => {
        const user = uid("u-few");
        const c = await createdChat([user]);
        expect(await store().listMembershipsOfUser(user, { limit: 3 })).toEqual({ items: [await store().getMember(c.chatId, user)], nextCursor: undefined });
        const page = await store().listMembershipsOfUser(uid("u-stranger"), { limit: 3 });
        expect(page.items).toEqual([]);
        expect(page.nextCursor).toBeUndefined();
      });

      it("listMembershipsOfUser rejects a cursor it did not issue", async () => {
        const user = uid("u-cursor");
        await createdChat([user]);
        for (const bad of ["not-a-cursor", "%%%", Buffer.from("{}").toString("base64url"), Buffer.from("[1,2]").toString("base64url")]) {
          await expectChatError(store().listMembershipsOfUser(user, { limit: 3, cursor: bad }), "invalid_argument");
        }
      });
    });

    describe("sequences", () => {
      it("allocateSeq counts 1, 2, 3 per chat and currentSeq reports the highest", async () => {
        const a = uid("chat");
        const b = uid("chat");
        expect(await store().currentSeq(a)).toBe(0n);
        expect([await store().allocateSeq(a), await store().allocateSeq(a), await store().allocateSeq(a)]).toEqual([1n, 2n, 3n]);
        expect(await store().allocateSeq(b)).toBe(1n);
        expect(await store().currentSeq(a)).toBe(3n);
      });

      it("50 concurrent allocations are distinct and contiguous", async () => {
        const c = uid("chat");
        const seqs = await Promise.all(Array.from({ length: 50 }, () => store().allocateSeq(c)));
        expect([...seqs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i + 1)));
        expect(await store().currentSeq(c)).toBe(50n);
      });
    });

    describe("messages", () => {
      async function committed(chatId: string, count: number): Promise<Message[]> {
        const out: Message[] = [];
        for (let i = 0; i < count; i++) {
          const m = message(chatId, await store().allocateSeq(chatId));
          expect(await store().commitMessage(m, 60_000, [])).toEqual({ status: "committed" });
          out.push(m);
        }
        return out;
      }

      it("commitMessage stores the message and its idempotency record", async () => {
        const c = await createdChat(["u-sender"]);
        const [m] = await committed(c.chatId, 1);
        expect(json.message(await store().getMessage(c.chatId, 1n))).toEqual(json.message(m));
        expect(await store().getMessage(c.chatId, 2n)).toBeUndefined();
        expect(await store().getIdempotencyRecord({ chatId: c.chatId, senderId: m.senderId, clientMessageId: m.clientMessageId })).toEqual({
          seq: 1n,
          messageId: m.messageId,
        });
        expect(await store().getIdempotencyRecord({ chatId: c.chatId, senderId: m.senderId, clientMessageId: "never-sent" })).toBeUndefined();
      });

      it("listMessages: afterSeq oldest first, beforeSeq newest below it, ascending, limit respected", async () => {
        const c = await createdChat(["u-sender"]);
        await committed(c.chatId, 5);
        const seqs = async (range: { afterSeq?: bigint; beforeSeq?: bigint; limit: number }) =>
          (await store().listMessages(c.chatId, range)).map((m) => m.seq);
        expect(await seqs({ limit: 10 })).toEqual([1n, 2n, 3n, 4n, 5n]);
        expect(await seqs({ afterSeq: 0n, limit: 2 })).toEqual([1n, 2n]);
        expect(await seqs({ afterSeq: 3n, limit: 10 })).toEqual([4n, 5n]);
        expect(await seqs({ afterSeq: 5n, limit: 10 })).toEqual([]);
        expect(await seqs({ beforeSeq: 5n, limit: 2 })).toEqual([3n, 4n]);
        expect(await seqs({ beforeSeq: 3n, limit: 10 })).toEqual([1n, 2n]);
        expect(await seqs({ beforeSeq: 1n, limit: 10 })).toEqual([]);
        expect(await store().listMessages(uid("nochat"), { limit: 10 })).toEqual([]);
      });

      it("a repeated idempotency key is a duplicate with the original seq and id, and stores nothing", async () => {
        const c = await createdChat(["u-sender"]);
        const first = message(c.chatId, await store().allocateSeq(c.chatId), "u-sender", "same-key");
        const firstEvent = event(c.chatId, "messages.persisted");
        expect(await store().commitMessage(first, 60_000, [firstEvent])).toEqual({ status: "committed" });

        const retry = message(c.chatId, await store().allocateSeq(c.chatId), "u-sender", "same-key");
        const retryEvent = event(c.chatId, "messages.persisted");
        expect(await store().commitMessage(retry, 60_000, [retryEvent])).toEqual({
          status: "duplicate",
          existing: { seq: first.seq, messageId: first.messageId },
        });
        expect(await store().getMessage(c.chatId, retry.seq)).toBeUndefined();
        expect((await store().listMessages(c.chatId, { limit: 10 })).map((m) => m.seq)).toEqual([first.seq]);
        const ids = await outboxIds();
        expect(ids).toContain(firstEvent.id);
        expect(ids).not.toContain(retryEvent.id);
      });

      it("the same client_message_id from another sender is a different send", async () => {
        const c = await createdChat(["u-x", "u-y"]);
        const x = message(c.chatId, await store().allocateSeq(c.chatId), "u-x", "shared-key");
        const y = message(c.chatId, await store().allocateSeq(c.chatId), "u-y", "shared-key");
        expect(await store().commitMessage(x, 60_000, [])).toEqual({ status: "committed" });
        expect(await store().commitMessage(y, 60_000, [])).toEqual({ status: "committed" });
      });

      it("concurrent sends with one idempotency key commit exactly once", async () => {
        const c = await createdChat(["u-sender"]);
        const sends: Message[] = [];
        for (let i = 0; i < 5; i++) sends.push(message(c.chatId, await store().allocateSeq(c.chatId), "u-sender", "raced-key"));
        const attempts = await Promise.all(sends.map(async (m) => ({ m, result: await store().commitMessage(m, 60_000, []) })));
        const winners = attempts.filter((a) => a.result.status === "committed");
        expect(winners).toHaveLength(1);
        const winner = winners[0].m;
        for (const a of attempts) {
          if (a.result.status === "duplicate") expect(a.result.existing).toEqual({ seq: winner.seq, messageId: winner.messageId });
        }
        expect((await store().listMessages(c.chatId, { limit: 10 })).map((m) => m.seq)).toEqual([winner.seq]);
      });

      it("an expired idempotency record no longer deduplicates", async () => {
        const c = await createdChat(["u-sender"]);
        const key = { chatId: c.chatId, senderId: "u-sender", clientMessageId: "short-lived" };
        const first = message(c.chatId, await store().allocateSeq(c.chatId), key.senderId, key.clientMessageId);
        expect(await store().commitMessage(first, 1, [])).toEqual({ status: "committed" });
        await sleep(20);
        expect(await store().getIdempotencyRecord(key)).toBeUndefined();
        const again = message(c.chatId, await store().allocateSeq(c.chatId), key.senderId, key.clientMessageId);
        expect(await store().commitMessage(again, 60_000, [])).toEqual({ status: "committed" });
        expect(await store().getIdempotencyRecord(key)).toEqual({ seq: again.seq, messageId: again.messageId });
        expect((await store().listMessages(c.chatId, { limit: 10 })).map((m) => m.seq)).toEqual([first.seq, again.seq]);
      });
    });

    describe("group commit (appendMessages)", () => {
      const TTL = 60_000;
      function appended(m: Message) {
        return { message: m, outbox: [{ ...event(m.chatId, "messages.persisted"), seq: m.seq }] };
      }
      // k messages of chat `chatId` after `expectedSeq`, by the given senders in turn.
      function chatAppend(chatId: string, expectedSeq: bigint, senders: string[], keys: string[] = senders.map(() => uid("cm"))) {
        return { chatId, expectedSeq, messages: senders.map((s, i) => appended(message(chatId, expectedSeq + BigInt(i + 1), s, keys[i]))) };
      }
      async function seqsOf(chatId: string): Promise<bigint[]> {
        return (await store().listMessages(chatId, { limit: 100 })).map((m) => m.seq);
      }
      const sortConflicts = (r: AppendResult) =>
        r.status === "rejected" ? [...r.conflicts].sort((a, b) => JSON.stringify(a, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).localeCompare(JSON.stringify(b, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)))) : [];

      it("stores the messages of several chats, their records and events, and moves each counter, in one step", async () => {
        const a = await createdChat(["u-1", "u-2"]);
        const b = await createdChat(["u-3"]);
        const batch: AppendBatch = { chats: [chatAppend(a.chatId, 0n, ["u-1", "u-2", "u-1"]), chatAppend(b.chatId, 0n, ["u-3"])], idempotencyTtlMs: TTL };
        expect(await store().appendMessages(batch)).toEqual({ status: "committed" });
        expect(await seqsOf(a.chatId)).toEqual([1n, 2n, 3n]);
        expect(await seqsOf(b.chatId)).toEqual([1n]);
        expect(await store().currentSeq(a.chatId)).toBe(3n);
        expect((await store().getChat(b.chatId))?.lastSeq).toBe(1n);
        const second = batch.chats[0].messages[1].message;
        expect(json.message(await store().getMessage(a.chatId, 2n))).toEqual(json.message(second));
        expect(await store().getIdempotencyRecord({ chatId: a.chatId, senderId: "u-2", clientMessageId: second.clientMessageId })).toEqual({ seq: 2n, messageId: second.messageId });
        const ids = await outboxIds();
        for (const c of batch.chats) for (const m of c.messages) expect(ids).toContain(m.outbox[0].id);
        const listed = (await store().listOutboxShard(outboxShardOf(a.chatId), 100_000)).filter((e) => e.key === a.chatId);
        expect(listed.map((e) => e.seq)).toEqual([1n, 2n, 3n]);
        // The next batch continues from the counter.
        expect(await store().appendMessages({ chats: [chatAppend(a.chatId, 3n, ["u-2"])], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        expect(await seqsOf(a.chatId)).toEqual([1n, 2n, 3n, 4n]);
      });

      it("a counter moved by another writer rejects the whole batch with the current value", async () => {
        const a = await createdChat(["u-1"]);
        const b = await createdChat(["u-1"]);
        expect(await store().appendMessages({ chats: [chatAppend(a.chatId, 0n, ["u-1", "u-1"])], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        const stale: AppendBatch = { chats: [chatAppend(b.chatId, 0n, ["u-1"]), chatAppend(a.chatId, 1n, ["u-1"])], idempotencyTtlMs: TTL };
        expect(await store().appendMessages(stale)).toEqual({ status: "rejected", conflicts: [{ kind: "counter_moved", chatId: a.chatId, currentSeq: 2n }] });
        // Nothing of the batch was written, the other chat's part included.
        expect(await seqsOf(b.chatId)).toEqual([]);
        expect(await store().currentSeq(b.chatId)).toBe(0n);
        expect(await store().currentSeq(a.chatId)).toBe(2n);
        expect(await outboxIds()).not.toContain(stale.chats[0].messages[0].outbox[0].id);
        // A counter the caller believes absent, though another writer created it.
        expect(await store().appendMessages({ chats: [chatAppend(a.chatId, 0n, ["u-1"])], idempotencyTtlMs: TTL })).toEqual({
          status: "rejected",
          conflicts: [{ kind: "counter_moved", chatId: a.chatId, currentSeq: 2n }],
        });
      });

      it("two writers racing on one chat with the same expected value: exactly one commits", async () => {
        const c = await createdChat(["u-1", "u-2"]);
        const results = await Promise.all(["u-1", "u-2"].map((s) => store().appendMessages({ chats: [chatAppend(c.chatId, 0n, [s])], idempotencyTtlMs: TTL })));
        expect(results.filter((r) => r.status === "committed")).toHaveLength(1);
        expect(results.find((r) => r.status === "rejected")).toEqual({ status: "rejected", conflicts: [{ kind: "counter_moved", chatId: c.chatId, currentSeq: 1n }] });
        expect(await seqsOf(c.chatId)).toEqual([1n]);
      });

      it("a send whose idempotency key is stored is a duplicate naming the original; nothing is written", async () => {
        const c = await createdChat(["u-1", "u-2"]);
        const first = chatAppend(c.chatId, 0n, ["u-1"], ["same-key"]);
        expect(await store().appendMessages({ chats: [first], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        const original = first.messages[0].message;
        const retry: AppendBatch = { chats: [chatAppend(c.chatId, 1n, ["u-2", "u-1"], [uid("cm"), "same-key"])], idempotencyTtlMs: TTL };
        expect(await store().appendMessages(retry)).toEqual({
          status: "rejected",
          conflicts: [{ kind: "duplicate", chatId: c.chatId, seq: 3n, existing: { seq: 1n, messageId: original.messageId } }],
        });
        expect(await seqsOf(c.chatId)).toEqual([1n]);
        expect(await store().currentSeq(c.chatId)).toBe(1n);
        // Without the duplicate, the rest goes through.
        expect(await store().appendMessages({ chats: [{ ...retry.chats[0], messages: retry.chats[0].messages.slice(0, 1) }], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        expect(await seqsOf(c.chatId)).toEqual([1n, 2n]);
      });

      it("an expired idempotency record does not make a duplicate", async () => {
        const c = await createdChat(["u-1"]);
        expect(await store().appendMessages({ chats: [chatAppend(c.chatId, 0n, ["u-1"], ["brief"])], idempotencyTtlMs: 1 })).toEqual({ status: "committed" });
        await sleep(20);
        expect(await store().appendMessages({ chats: [chatAppend(c.chatId, 1n, ["u-1"], ["brief"])], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        expect(await store().getIdempotencyRecord({ chatId: c.chatId, senderId: "u-1", clientMessageId: "brief" })).toMatchObject({ seq: 2n });
      });

      it("a sender who is not a member (or a chat that does not exist) rejects the batch; nothing is written", async () => {
        const c = await createdChat(["u-1"]);
        const ghost = uid("nochat");
        const batch: AppendBatch = { chats: [chatAppend(c.chatId, 0n, ["u-1", "u-stranger", "u-stranger"]), chatAppend(ghost, 0n, ["u-1"])], idempotencyTtlMs: TTL };
        const result = await store().appendMessages(batch);
        expect(result.status).toBe("rejected");
        expect(sortConflicts(result)).toEqual(
          sortConflicts({
            status: "rejected",
            conflicts: [
              { kind: "not_member", chatId: c.chatId, senderId: "u-stranger" },
              { kind: "not_member", chatId: ghost, senderId: "u-1" },
            ],
          }),
        );
        expect(await seqsOf(c.chatId)).toEqual([]);
        expect(await store().currentSeq(c.chatId)).toBe(0n);
        expect(await store().currentSeq(ghost)).toBe(0n);
      });

      it("reports every kind of conflict of one batch (a duplicate and a non-member together)", async () => {
        const c = await createdChat(["u-1"]);
        expect(await store().appendMessages({ chats: [chatAppend(c.chatId, 0n, ["u-1"], ["k1"])], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        const result = await store().appendMessages({ chats: [chatAppend(c.chatId, 1n, ["u-1", "u-out"], ["k1", "k2"])], idempotencyTtlMs: TTL });
        // At least one is reported (AWS need not list them all); both adapters here list both.
        expect(result.status).toBe("rejected");
        const kinds = result.status === "rejected" ? result.conflicts.map((x) => x.kind).sort() : [];
        expect(kinds.length).toBeGreaterThanOrEqual(1);
        for (const k of kinds) expect(["duplicate", "not_member"]).toContain(k);
        expect(await seqsOf(c.chatId)).toEqual([1n]);
      });

      it("refuses a malformed batch with invalid_argument and writes nothing", async () => {
        const c = await createdChat(["u-1"]);
        const ok = chatAppend(c.chatId, 0n, ["u-1", "u-1"]);
        const malformed: AppendBatch[] = [
          // The same idempotency key twice inside one batch: the caller resolves that in memory.
          { chats: [chatAppend(c.chatId, 0n, ["u-1", "u-1"], ["twice", "twice"])], idempotencyTtlMs: TTL },
          // Seqs that do not continue the expected value one by one.
          { chats: [{ ...ok, expectedSeq: 1n }], idempotencyTtlMs: TTL },
          { chats: [{ ...ok, messages: [ok.messages[1], ok.messages[0]] }], idempotencyTtlMs: TTL },
          // A chat twice, a chat without messages, a message of another chat.
          { chats: [chatAppend(c.chatId, 0n, ["u-1"]), chatAppend(c.chatId, 1n, ["u-1"])], idempotencyTtlMs: TTL },
          { chats: [{ chatId: c.chatId, expectedSeq: 0n, messages: [] }], idempotencyTtlMs: TTL },
          { chats: [{ ...ok, chatId: uid("chat") }], idempotencyTtlMs: TTL },
          // Not a positive TTL.
          { chats: [ok], idempotencyTtlMs: 0 },
          // More items than one transaction holds (3 per message here: message, record, event;
          // plus the counter and one membership check): 33 messages are 101.
          { chats: [chatAppend(c.chatId, 0n, Array.from({ length: 33 }, () => "u-1"))], idempotencyTtlMs: TTL },
        ];
        for (const batch of malformed) await expectChatError(store().appendMessages(batch), "invalid_argument");
        expect(await seqsOf(c.chatId)).toEqual([]);
        expect(await store().currentSeq(c.chatId)).toBe(0n);
        // The largest batch that fits is accepted: 32 messages × 3 items + counter + member check = 98.
        expect(appendItemCount({ chats: [chatAppend(c.chatId, 0n, Array.from({ length: 33 }, () => "u-1"))], idempotencyTtlMs: TTL })).toBe(MAX_APPEND_ITEMS + 1);
        expect(await store().appendMessages({ chats: [chatAppend(c.chatId, 0n, Array.from({ length: 32 }, () => "u-1"))], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        expect(await store().currentSeq(c.chatId)).toBe(32n);
      });

      it("an appended batch survives close and reopen", async () => {
        const c = await createdChat(["u-1"]);
        const batch = chatAppend(c.chatId, 0n, ["u-1", "u-1"], ["durable-a", "durable-b"]);
        expect(await store().appendMessages({ chats: [batch], idempotencyTtlMs: TTL })).toEqual({ status: "committed" });
        await subject.reopen();
        expect(await seqsOf(c.chatId)).toEqual([1n, 2n]);
        expect(await store().currentSeq(c.chatId)).toBe(2n);
        const again = await store().appendMessages({ chats: [chatAppend(c.chatId, 2n, ["u-1"], ["durable-b"])], idempotencyTtlMs: TTL });
        expect(again).toEqual({ status: "rejected", conflicts: [{ kind: "duplicate", chatId: c.chatId, seq: 3n, existing: { seq: 2n, messageId: batch.messages[1].message.messageId } }] });
      });
    });

    describe("receipts", () => {
      it("positions never move backwards and read implies delivered", async () => {
        const c = await createdChat(["u-r"]);
        const step = async (kind: "delivered" | "read", seq: bigint) => {
          const { position, changed } = await store().advanceReceipt(c.chatId, "u-r", kind, seq);
          expect(position.chatId).toBe(c.chatId);
          expect(position.userId).toBe("u-r");
          return [position.deliveredSeq, position.readSeq, changed];
        };
        expect(await step("delivered", 5n)).toEqual([5n, 0n, true]);
        expect(await step("delivered", 3n)).toEqual([5n, 0n, false]);
        expect(await step("delivered", 5n)).toEqual([5n, 0n, false]);
        expect(await step("read", 2n)).toEqual([5n, 2n, true]);
        expect(await step("read", 1n)).toEqual([5n, 2n, false]);
        expect(await step("read", 7n)).toEqual([7n, 7n, true]);
        expect(await step("delivered", 6n)).toEqual([7n, 7n, false]);
        expect(await step("read", 7n)).toEqual([7n, 7n, false]);
        expect(await step("delivered", 9n)).toEqual([9n, 7n, true]);
        expect(await step("read", 9n)).toEqual([9n, 9n, true]);
      });

      it("read on a fresh position sets both; listReceipts lists every user of the chat", async () => {
        const c = await createdChat(["u-1", "u-2"]);
        const { position } = await store().advanceReceipt(c.chatId, "u-1", "read", 4n);
        expect([position.deliveredSeq, position.readSeq]).toEqual([4n, 4n]);
        expect(position.updatedAt).toBeDefined();
        await store().advanceReceipt(c.chatId, "u-2", "delivered", 2n);
        const list = await store().listReceipts(c.chatId);
        expect(list.map((p) => [p.userId, p.deliveredSeq, p.readSeq]).sort()).toEqual([
          ["u-1", 4n, 4n],
          ["u-2", 2n, 0n],
        ]);
        expect(await store().listReceipts(uid("nochat"))).toEqual([]);
      });

      it("concurrent advances keep the highest position", async () => {
        const c = await createdChat(["u-c"]);
        await Promise.all(
          [3n, 9n, 1n, 7n, 5n].flatMap((seq) => [
            store().advanceReceipt(c.chatId, "u-c", "delivered", seq),
            store().advanceReceipt(c.chatId, "u-c", "read", seq - 1n),
          ]),
        );
        const [p] = await store().listReceipts(c.chatId);
        expect([p.deliveredSeq, p.readSeq]).toEqual([9n, 8n]);
      });
    });

    describe("outbox", () => {
      it("entries of createChat, addMember and commitMessage are listed oldest first, keep their headers, and are deleted", async () => {
        const c = chat();
        const created = event(c.chatId, "chats.created");
        await store().createChat(c, [member(c.chatId, "u-sender")], [created]);
        const joined = event(c.chatId, "memberships.changed");
        await store().addMember(member(c.chatId, "u-new"), [joined]);
        const persisted = { ...event(c.chatId, "messages.persisted"), headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } };
        await store().commitMessage(message(c.chatId, await store().allocateSeq(c.chatId)), 60_000, [persisted]);
        const mine = [created, joined, persisted];

        const all = await store().listOutbox(100_000);
        expect(all.filter((e) => mine.some((m) => m.id === e.id))).toEqual(mine);
        const ages = all.map((e) => e.createdAtMs);
        expect(ages).toEqual([...ages].sort((a, b) => a - b));

        const two = await store().listOutbox(2);
        expect(two).toEqual(all.slice(0, 2));

        await store().deleteOutbox([created, joined, event(c.chatId)]);
        const left = await outboxIds();
        expect(left).not.toContain(created.id);
        expect(left).not.toContain(joined.id);
        expect(left).toContain(persisted.id);
        await store().deleteOutbox([persisted]);
        expect(await outboxIds()).not.toContain(persisted.id);
        await store().deleteOutbox([]);
      });

      it("countOutbox counts waiting entries of every shard, not the drain leases, up to the cap", async () => {
        const before = await store().countOutbox(1_000_000);
        const chats = Array.from({ length: 10 }, () => chat());
        const written: OutboxEntry[] = [];
        for (const c of chats) {
          const created = event(c.chatId, "chats.created");
          const persisted = { ...event(c.chatId, "messages.persisted"), seq: 1n };
          await store().createChat(c, [], [created]);
          await store().commitMessage(message(c.chatId, 1n), 60_000, [persisted]);
          written.push(created, persisted);
        }
        expect(new Set(written.map((e) => outboxShardOf(e.key))).size).toBeGreaterThan(1);
        expect(await store().countOutbox(1_000_000)).toBe(before + 20);
        // A held lease lives next to the entries in some stores: it is not backlog.
        const owner = `owner-${randomUUID()}`;
        expect(await store().acquireOutboxLease(0, owner, 60_000)).toBe(true);
        expect(await store().countOutbox(1_000_000)).toBe(before + 20);
        await store().releaseOutboxLease(0, owner);
        expect(await store().countOutbox(before + 5)).toBe(before + 5);
        expect(await store().countOutbox(0)).toBe(0);
        await store().deleteOutbox(written.slice(0, 5));
        expect(await store().countOutbox(1_000_000)).toBe(before + 15);
        await store().deleteOutbox(written);
        expect(await store().countOutbox(1_000_000)).toBe(before);
      });

      it("listOutbox with limit 0 is empty", async () => {
        expect(await store().listOutbox(0)).toEqual([]);
      });

      it("listOutboxShard lists one shard's entries in drain order and keeps their seq", async () => {
        // Chat events (no seq) oldest first; then each chat's messages in seq order, even when
        // a later seq is older (written by a replica whose clock is behind).
        const chats = Array.from({ length: 12 }, () => chat());
        const written: OutboxEntry[] = [];
        for (const c of chats) {
          const created = event(c.chatId, "chats.created");
          await store().createChat(c, [], [created]);
          const second = { ...event(c.chatId, "messages.persisted"), seq: 2n };
          const first = { ...event(c.chatId, "messages.persisted"), seq: 1n };
          const tenth = { ...event(c.chatId, "messages.persisted"), seq: 10n };
          for (const e of [second, first, tenth]) await store().commitMessage(message(c.chatId, e.seq), 60_000, [e]);
          written.push(created, second, first, tenth);
        }
        for (let shard = 0; shard < OUTBOX_SHARDS; shard++) {
          const listed = await store().listOutboxShard(shard, 100_000);
          const mine = listed.filter((e) => written.some((w) => w.id === e.id));
          expect(mine).toEqual(written.filter((w) => outboxShardOf(w.key) === shard).sort(compareDrainOrder));
          expect(listed).toEqual([...listed].sort(compareDrainOrder));
        }
        // A chat's messages come out 1, 2, 10 (numeric, not lexical), after the chat events.
        const one = chats[0].chatId;
        const ofOne = (await store().listOutboxShard(outboxShardOf(one), 100_000)).filter((e) => e.key === one);
        expect(ofOne.map((e) => e.seq)).toEqual([undefined, 1n, 2n, 10n]);
        expect(await store().listOutboxShard(0, 0)).toEqual([]);
        await expect(store().listOutboxShard(OUTBOX_SHARDS, 10)).rejects.toThrow(RangeError);
        await expect(store().listOutboxShard(-1, 10)).rejects.toThrow(RangeError);
        await store().deleteOutbox(written);
        expect((await outboxIds()).filter((id) => written.some((w) => w.id === id))).toEqual([]);
      });

      it("deleteOutbox deletes many entries in one call", async () => {
        const c = chat();
        const many = Array.from({ length: 60 }, () => event(c.chatId));
        await store().createChat(c, [], many);
        expect((await outboxIds()).filter((id) => many.some((m) => m.id === id))).toHaveLength(60);
        await store().deleteOutbox(many);
        expect((await outboxIds()).filter((id) => many.some((m) => m.id === id))).toEqual([]);
      });
    });

    describe("outbox drain lease", () => {
      const shard = 3;
      it("is held by one owner at a time, renewed by its owner, and free again after release", async () => {
        const a = uid("relay-a");
        const b = uid("relay-b");
        expect(await store().acquireOutboxLease(shard, a, 60_000)).toBe(true);
        expect(await store().acquireOutboxLease(shard, b, 60_000)).toBe(false);
        expect(await store().acquireOutboxLease(shard, a, 60_000)).toBe(true);
        // Another shard is a separate lease.
        expect(await store().acquireOutboxLease(shard + 1, b, 60_000)).toBe(true);
        // Releasing a lease one does not hold changes nothing.
        await store().releaseOutboxLease(shard, b);
        expect(await store().acquireOutboxLease(shard, b, 60_000)).toBe(false);
        await store().releaseOutboxLease(shard, a);
        expect(await store().acquireOutboxLease(shard, b, 60_000)).toBe(true);
        expect(await store().acquireOutboxLease(shard, a, 60_000)).toBe(false);
        await store().releaseOutboxLease(shard, b);
        await store().releaseOutboxLease(shard + 1, b);
      });

      it("an expired lease can be taken by another owner", async () => {
        const a = uid("relay-a");
        const b = uid("relay-b");
        expect(await store().acquireOutboxLease(shard, a, 50)).toBe(true);
        await sleep(120);
        expect(await store().acquireOutboxLease(shard, b, 60_000)).toBe(true);
        expect(await store().acquireOutboxLease(shard, a, 60_000)).toBe(false);
        await store().releaseOutboxLease(shard, b);
      });

      it("refuses a shard outside the range", async () => {
        await expect(store().acquireOutboxLease(OUTBOX_SHARDS, "x", 1000)).rejects.toThrow(RangeError);
        await expect(store().releaseOutboxLease(-1, "x")).rejects.toThrow(RangeError);
      });
    });

    describe("durability", () => {
      it("everything survives close and reopen", async () => {
        const c = chat();
        const ev = event(c.chatId);
        const unseen = event(c.chatId);
        await store().createChat(c, [member(c.chatId, "u-d", MemberRole.ADMIN)], [ev, unseen]);
        await store().addMember(member(c.chatId, "u-e"), []);
        await store().removeMember(c.chatId, "u-e", []);
        const m = message(c.chatId, await store().allocateSeq(c.chatId), "u-d", "durable-key");
        await store().commitMessage(m, 60_000, []);
        await store().advanceReceipt(c.chatId, "u-d", "read", 1n);

        const reopened = await subject.reopen();
        expect(reopened).toBe(store());
        expect(json.chat(await store().getChat(c.chatId))).toEqual(json.chat(create(ChatSchema, { ...c, lastSeq: 1n })));
        expect((await store().listMembers(c.chatId)).map((x) => [x.userId, x.role])).toEqual([["u-d", MemberRole.ADMIN]]);
        expect(json.message(await store().getMessage(c.chatId, 1n))).toEqual(json.message(m));
        const retry = message(c.chatId, await store().allocateSeq(c.chatId), "u-d", "durable-key");
        expect(retry.seq).toBe(2n);
        expect(await store().commitMessage(retry, 60_000, [])).toEqual({ status: "duplicate", existing: { seq: 1n, messageId: m.messageId } });
        expect((await store().listReceipts(c.chatId)).map((p) => [p.deliveredSeq, p.readSeq])).toEqual([[1n, 1n]]);
        // Deleting an entry the reopened store never wrote nor listed.
        await store().deleteOutbox([unseen]);
        const ids = await outboxIds();
        expect(ids).toContain(ev.id);
        expect(ids).not.toContain(unseen.id);
      });
    });
  });
}
