import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError, TOPICS } from "@chat/domain";
import { ChatCreatedSchema, ChatKind, MemberRole, MembershipChange, MembershipChangedSchema, MessageSchema } from "@chat/proto";
import type { OutboxEntry, Store } from "@chat/store";
import { createEmbeddedStore } from "@chat/store/embedded";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatService, type ChatLimits } from "../src/chats/chat-service";
import { PageTokens } from "../src/chats/page-token";

const limits: ChatLimits = { maxIdLength: 128, historyDefaultLimit: 50, historyMaxLimit: 100, chatsPageDefault: 50, chatsPageMax: 100, maxChatsPerUser: 1000, maxMembersPerChat: 10_000 };
const pageTokens = new PageTokens("unit-test-service-secret-0123");

let dir: string;
let store: Store;
let published: OutboxEntry[];
let svc: ChatService;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chatmgmt-svc-"));
  store = createEmbeddedStore({ dataDir: dir });
  await store.bootstrap();
  published = [];
  svc = new ChatService(
    store,
    limits,
    async (e) => {
      published.push(e);
    },
    pageTokens,
  );
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ChatError);
    return (e as ChatError).code;
  }
  throw new Error("expected a ChatError");
}

async function group(admin = "alice", members = ["bob", "carol"]) {
  const { chat } = await svc.createChat(admin, { kind: ChatKind.GROUP, title: "Team", memberIds: members });
  published.length = 0;
  return chat.chatId;
}

async function addMessages(chatId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const seq = await store.allocateSeq(chatId);
    const msg = create(MessageSchema, {
      chatId,
      seq,
      messageId: `id${seq}`,
      senderId: "alice",
      clientMessageId: `m${seq}`,
      body: `body ${seq}`,
      contentType: "text/plain",
      createdAt: timestampFromMs(Date.now()),
    });
    const r = await store.commitMessage(msg, 60_000, []);
    expect(r.status).toBe("committed");
  }
}

const seqs = (ms: Array<{ seq: bigint }>) => ms.map((m) => Number(m.seq));

describe("ChatService.createChat", () => {
  it("creates a direct chat with exactly one other member; both are plain members", async () => {
    const { chat, members } = await svc.createChat("alice", { kind: ChatKind.DIRECT, title: "", memberIds: ["bob"] });
    expect(chat.kind).toBe(ChatKind.DIRECT);
    expect(chat.createdBy).toBe("alice");
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      ["alice", MemberRole.MEMBER],
      ["bob", MemberRole.MEMBER],
    ]);
    expect((await store.listMembers(chat.chatId)).map((m) => m.userId)).toEqual(["alice", "bob"]);
  });

  it("accepts the caller listed among the members of a direct chat", async () => {
    const { members } = await svc.createChat("alice", { kind: ChatKind.DIRECT, title: "", memberIds: ["alice", "bob"] });
    expect(members.map((m) => m.userId)).toEqual(["alice", "bob"]);
  });

  it.each([
    ["no other member", []],
    ["only the caller", ["alice"]],
    ["two other members", ["bob", "carol"]],
  ])("rejects a direct chat with %s", async (_what, memberIds) => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.DIRECT, title: "", memberIds }))).toBe("invalid_argument");
    expect(published).toEqual([]);
  });

  it("creates a group with the creator as admin and the title trimmed", async () => {
    const { chat, members } = await svc.createChat("alice", { kind: ChatKind.GROUP, title: "  Team  ", memberIds: ["bob"] });
    expect(chat.title).toBe("Team");
    expect(members.find((m) => m.userId === "alice")?.role).toBe(MemberRole.ADMIN);
    expect(members.find((m) => m.userId === "bob")?.role).toBe(MemberRole.MEMBER);
  });

  it("allows a group with the creator alone", async () => {
    const { members } = await svc.createChat("alice", { kind: ChatKind.GROUP, title: "Notes", memberIds: [] });
    expect(members.map((m) => m.userId)).toEqual(["alice"]);
  });

  it.each(["", "   "])("rejects a group without a title (%j)", async (title) => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.GROUP, title, memberIds: ["bob"] }))).toBe("invalid_argument");
  });

  it("rejects a title longer than 200 characters", async () => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.GROUP, title: "x".repeat(201), memberIds: [] }))).toBe("invalid_argument");
    await expect(svc.createChat("alice", { kind: ChatKind.GROUP, title: "x".repeat(200), memberIds: [] })).resolves.toBeDefined();
  });

  it("rejects duplicate member ids", async () => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.GROUP, title: "T", memberIds: ["bob", "carol", "bob"] }))).toBe("invalid_argument");
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.DIRECT, title: "", memberIds: ["bob", "bob"] }))).toBe("invalid_argument");
    expect(published).toEqual([]);
  });

  it("rejects invalid member ids", async () => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.GROUP, title: "T", memberIds: ["bob/../x"] }))).toBe("invalid_argument");
  });

  it("rejects an unspecified kind", async () => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.UNSPECIFIED, title: "T", memberIds: ["bob"] }))).toBe("invalid_argument");
  });

  it("publishes chats.created keyed by chat id with the chat and its members", async () => {
    const { chat } = await svc.createChat("alice", { kind: ChatKind.GROUP, title: "Team", memberIds: ["bob"] });
    expect(published).toHaveLength(1);
    const [e] = published;
    expect(e.topic).toBe(TOPICS.chatsCreated.name);
    expect(e.key).toBe(chat.chatId);
    const ev = fromBinary(ChatCreatedSchema, e.payload);
    expect(ev.chat?.chatId).toBe(chat.chatId);
    expect(ev.chat?.title).toBe("Team");
    expect(ev.members.map((m) => [m.userId, m.role])).toEqual([
      ["alice", MemberRole.ADMIN],
      ["bob", MemberRole.MEMBER],
    ]);
    // Written to the outbox in the same step as the chat.
    expect((await store.listOutbox(10)).map((o) => o.id)).toContain(e.id);
  });
});

describe("ChatService membership checks (not_found for non-members)", () => {
  it("non-members and unknown chats get not_found on every read and on add", async () => {
    const chatId = await group();
    for (const [who, id] of [
      ["mallory", chatId],
      ["alice", "c_doesnotexist"],
    ] as const) {
      expect(await codeOf(svc.getChat(who, id))).toBe("not_found");
      expect(await codeOf(svc.history(who, { chatId: id, beforeSeq: 0n, afterSeq: 0n, limit: 10 }))).toBe("not_found");
      expect(await codeOf(svc.receipts(who, id))).toBe("not_found");
      expect(await codeOf(svc.listMembers(who, id))).toBe("not_found");
      expect(await codeOf(svc.addMember(who, { chatId: id, userId: "eve", role: MemberRole.MEMBER }))).toBe("not_found");
      expect(await codeOf(svc.removeMember(who, { chatId: id, userId: "bob" }))).toBe("not_found");
      expect(await codeOf(svc.updateMemberRole(who, { chatId: id, userId: "bob", role: MemberRole.ADMIN }))).toBe("not_found");
    }
    expect(published).toEqual([]);
  });

  it("a member reads the chat, its role and the members", async () => {
    const chatId = await group();
    const { chat, me } = await svc.getChat("bob", chatId);
    expect(chat.chatId).toBe(chatId);
    expect(me.role).toBe(MemberRole.MEMBER);
    expect((await svc.listMembers("bob", chatId)).map((m) => m.userId)).toEqual(["alice", "bob", "carol"]);
  });

  it("rejects a malformed chat id as invalid_argument", async () => {
    expect(await codeOf(svc.getChat("alice", "../x"))).toBe("invalid_argument");
  });

  it("a removed member loses access", async () => {
    const chatId = await group();
    await svc.removeMember("alice", { chatId, userId: "bob" });
    expect(await codeOf(svc.getChat("bob", chatId))).toBe("not_found");
  });

  it("lists the caller's chats", async () => {
    const a = await group("alice", ["bob"]);
    const b = await group("carol", ["bob"]);
    await group("carol", ["dave"]);
    const { chats, nextPageToken } = await svc.listMyChats("bob", 0, "");
    expect(chats.map((c) => c.chatId).sort()).toEqual([a, b].sort());
    expect(nextPageToken).toBe("");
    expect(await codeOf(svc.listMyChats("bob", 101, ""))).toBe("invalid_argument");
  });
});

describe("ChatService roles", () => {
  it("an admin adds a member (default role member) and publishes memberships.changed ADDED", async () => {
    const chatId = await group();
    const m = await svc.addMember("alice", { chatId, userId: "dave", role: MemberRole.UNSPECIFIED });
    expect(m.role).toBe(MemberRole.MEMBER);
    expect((await store.getMember(chatId, "dave"))?.role).toBe(MemberRole.MEMBER);
    expect(published).toHaveLength(1);
    expect(published[0].topic).toBe(TOPICS.membershipsChanged.name);
    expect(published[0].key).toBe(chatId);
    expect(fromBinary(MembershipChangedSchema, published[0].payload)).toMatchObject({
      chatId,
      userId: "dave",
      change: MembershipChange.ADDED,
      role: MemberRole.MEMBER,
      actorId: "alice",
    });
  });

  it("an admin adds another admin", async () => {
    const chatId = await group();
    expect((await svc.addMember("alice", { chatId, userId: "dave", role: MemberRole.ADMIN })).role).toBe(MemberRole.ADMIN);
  });

  it("a non-admin cannot add members", async () => {
    const chatId = await group();
    expect(await codeOf(svc.addMember("bob", { chatId, userId: "dave", role: MemberRole.MEMBER }))).toBe("permission_denied");
    expect(await store.getMember(chatId, "dave")).toBeUndefined();
    expect(published).toEqual([]);
  });

  it("adding an existing member is already_exists and publishes nothing", async () => {
    const chatId = await group();
    expect(await codeOf(svc.addMember("alice", { chatId, userId: "bob", role: MemberRole.MEMBER }))).toBe("already_exists");
    expect(published).toEqual([]);
  });

  it("nobody adds a third member to a direct chat", async () => {
    const { chat } = await svc.createChat("alice", { kind: ChatKind.DIRECT, title: "", memberIds: ["bob"] });
    published.length = 0;
    expect(await codeOf(svc.addMember("alice", { chatId: chat.chatId, userId: "carol", role: MemberRole.MEMBER }))).toBe("permission_denied");
    expect(published).toEqual([]);
  });

  it("rejects an invalid user id on add", async () => {
    const chatId = await group();
    expect(await codeOf(svc.addMember("alice", { chatId, userId: "a b", role: MemberRole.MEMBER }))).toBe("invalid_argument");
  });

  // updateMemberRole refuses roles other than MEMBER/ADMIN; addMember must not store an
  // undefined role either (proto3 enums are open: any number arrives over gRPC/JSON).
  it("rejects an out-of-range role on add", async () => {
    const chatId = await group();
    expect(await codeOf(svc.addMember("alice", { chatId, userId: "dave", role: 99 as MemberRole }))).toBe("invalid_argument");
    expect(await store.getMember(chatId, "dave")).toBeUndefined();
  });

  it("an admin removes another member and publishes memberships.changed REMOVED", async () => {
    const chatId = await group();
    await svc.removeMember("alice", { chatId, userId: "bob" });
    expect(await store.getMember(chatId, "bob")).toBeUndefined();
    expect(published).toHaveLength(1);
    expect(published[0].topic).toBe(TOPICS.membershipsChanged.name);
    expect(fromBinary(MembershipChangedSchema, published[0].payload)).toMatchObject({ chatId, userId: "bob", change: MembershipChange.REMOVED, actorId: "alice" });
  });

  it("a non-admin cannot remove someone else", async () => {
    const chatId = await group();
    expect(await codeOf(svc.removeMember("bob", { chatId, userId: "carol" }))).toBe("permission_denied");
    expect(await codeOf(svc.removeMember("bob", { chatId, userId: "alice" }))).toBe("permission_denied");
    expect(await store.getMember(chatId, "carol")).toBeDefined();
    expect(published).toEqual([]);
  });

  it("any member can leave (self-remove)", async () => {
    const chatId = await group();
    await svc.removeMember("bob", { chatId, userId: "bob" });
    expect(await store.getMember(chatId, "bob")).toBeUndefined();
    expect(published).toHaveLength(1);
    expect(fromBinary(MembershipChangedSchema, published[0].payload)).toMatchObject({ userId: "bob", change: MembershipChange.REMOVED, actorId: "bob" });
  });

  it("removing a non-member is not_found", async () => {
    const chatId = await group();
    expect(await codeOf(svc.removeMember("alice", { chatId, userId: "zed" }))).toBe("not_found");
    expect(published).toEqual([]);
  });

  it("an admin changes a role and publishes memberships.changed ROLE_CHANGED", async () => {
    const chatId = await group();
    const m = await svc.updateMemberRole("alice", { chatId, userId: "bob", role: MemberRole.ADMIN });
    expect(m.role).toBe(MemberRole.ADMIN);
    expect((await store.getMember(chatId, "bob"))?.role).toBe(MemberRole.ADMIN);
    expect(published).toHaveLength(1);
    expect(published[0].topic).toBe(TOPICS.membershipsChanged.name);
    expect(fromBinary(MembershipChangedSchema, published[0].payload)).toMatchObject({
      chatId,
      userId: "bob",
      change: MembershipChange.ROLE_CHANGED,
      role: MemberRole.ADMIN,
      actorId: "alice",
    });
    // The promoted member can now add people.
    await expect(svc.addMember("bob", { chatId, userId: "dave", role: MemberRole.MEMBER })).resolves.toBeDefined();
  });

  it("a non-admin cannot change roles, not even their own", async () => {
    const chatId = await group();
    expect(await codeOf(svc.updateMemberRole("bob", { chatId, userId: "bob", role: MemberRole.ADMIN }))).toBe("permission_denied");
    expect(await codeOf(svc.updateMemberRole("bob", { chatId, userId: "alice", role: MemberRole.MEMBER }))).toBe("permission_denied");
    expect((await store.getMember(chatId, "bob"))?.role).toBe(MemberRole.MEMBER);
    expect(published).toEqual([]);
  });

  it("rejects an unspecified or unknown role on update", async () => {
    const chatId = await group();
    expect(await codeOf(svc.updateMemberRole("alice", { chatId, userId: "bob", role: MemberRole.UNSPECIFIED }))).toBe("invalid_argument");
    expect(await codeOf(svc.updateMemberRole("alice", { chatId, userId: "bob", role: 7 as MemberRole }))).toBe("invalid_argument");
  });

  it("changing the role of a non-member is not_found", async () => {
    const chatId = await group();
    expect(await codeOf(svc.updateMemberRole("alice", { chatId, userId: "zed", role: MemberRole.ADMIN }))).toBe("not_found");
    expect(published).toEqual([]);
  });
});

describe("ChatService.history", () => {
  it("returns an empty page for a chat without messages", async () => {
    const chatId = await group();
    expect(await svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 0 })).toEqual({ messages: [], hasMore: false });
  });

  it("rejects a limit above 100 and accepts 100", async () => {
    const chatId = await group();
    expect(await codeOf(svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 101 }))).toBe("invalid_argument");
    await expect(svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 100 })).resolves.toBeDefined();
  });

  it("uses the default limit (50) when the limit is 0", async () => {
    const chatId = await group();
    await addMessages(chatId, 60);
    const page = await svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 0 });
    expect(page.messages).toHaveLength(50);
    expect(page.messages[0].seq).toBe(1n);
    expect(page.hasMore).toBe(true);
  });

  it("pages forward with after_seq, oldest first", async () => {
    const chatId = await group();
    await addMessages(chatId, 7);
    const p1 = await svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 3 });
    expect(seqs(p1.messages)).toEqual([1, 2, 3]);
    expect(p1.hasMore).toBe(true);
    const p2 = await svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 3n, limit: 3 });
    expect(seqs(p2.messages)).toEqual([4, 5, 6]);
    expect(p2.hasMore).toBe(true);
    const p3 = await svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 6n, limit: 3 });
    expect(seqs(p3.messages)).toEqual([7]);
    expect(p3.hasMore).toBe(false);
  });

  it("reports hasMore false when the page is exactly full", async () => {
    const chatId = await group();
    await addMessages(chatId, 3);
    const p = await svc.history("bob", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 3 });
    expect(seqs(p.messages)).toEqual([1, 2, 3]);
    expect(p.hasMore).toBe(false);
  });

  it("pages backward with before_seq: the newest below it, returned ascending", async () => {
    const chatId = await group();
    await addMessages(chatId, 7);
    const p1 = await svc.history("bob", { chatId, beforeSeq: 8n, afterSeq: 0n, limit: 3 });
    expect(seqs(p1.messages)).toEqual([5, 6, 7]);
    expect(p1.hasMore).toBe(true);
    const p2 = await svc.history("bob", { chatId, beforeSeq: 5n, afterSeq: 0n, limit: 3 });
    expect(seqs(p2.messages)).toEqual([2, 3, 4]);
    expect(p2.hasMore).toBe(true);
    const p3 = await svc.history("bob", { chatId, beforeSeq: 2n, afterSeq: 0n, limit: 3 });
    expect(seqs(p3.messages)).toEqual([1]);
    expect(p3.hasMore).toBe(false);
  });

  it("before_seq with exactly limit older messages has no more", async () => {
    const chatId = await group();
    await addMessages(chatId, 4);
    const p = await svc.history("bob", { chatId, beforeSeq: 4n, afterSeq: 0n, limit: 3 });
    expect(seqs(p.messages)).toEqual([1, 2, 3]);
    expect(p.hasMore).toBe(false);
  });
});

describe("ChatService.receipts", () => {
  it("lists the chat's receipt positions to members", async () => {
    const chatId = await group();
    await store.advanceReceipt(chatId, "bob", "read", 3n);
    const r = await svc.receipts("carol", chatId);
    expect(r.map((p) => [p.userId, p.deliveredSeq, p.readSeq])).toEqual([["bob", 3n, 3n]]);
  });
});

describe("ChatService afterCommit", () => {
  it("is called once per change, in order, with the right topics", async () => {
    const { chat } = await svc.createChat("alice", { kind: ChatKind.GROUP, title: "T", memberIds: ["bob"] });
    const chatId = chat.chatId;
    await svc.addMember("alice", { chatId, userId: "carol", role: MemberRole.MEMBER });
    await svc.updateMemberRole("alice", { chatId, userId: "carol", role: MemberRole.ADMIN });
    await svc.removeMember("carol", { chatId, userId: "bob" });
    await svc.getChat("alice", chatId);
    await svc.listMembers("alice", chatId);
    await svc.history("alice", { chatId, beforeSeq: 0n, afterSeq: 0n, limit: 10 });
    expect(published.map((e) => e.topic)).toEqual([
      TOPICS.chatsCreated.name,
      TOPICS.membershipsChanged.name,
      TOPICS.membershipsChanged.name,
      TOPICS.membershipsChanged.name,
    ]);
    expect(published.every((e) => e.key === chatId)).toBe(true);
    expect(published.slice(1).map((e) => fromBinary(MembershipChangedSchema, e.payload).change)).toEqual([
      MembershipChange.ADDED,
      MembershipChange.ROLE_CHANGED,
      MembershipChange.REMOVED,
    ]);
    expect(new Set(published.map((e) => e.id)).size).toBe(4);
  });

  it("is called after the write committed (the change is visible from inside the callback)", async () => {
    const seen: Array<string | undefined> = [];
    const chatId = await group();
    const svc2 = new ChatService(
      store,
      limits,
      async (e) => {
        const ev = fromBinary(MembershipChangedSchema, e.payload);
        seen.push((await store.getMember(ev.chatId, ev.userId))?.userId);
      },
      pageTokens,
    );
    await svc2.addMember("alice", { chatId, userId: "dave", role: MemberRole.MEMBER });
    expect(seen).toEqual(["dave"]);
  });
});

describe("ChatService input consistency (issue 10 item 10)", () => {
  it.each(["Bob", "  "])("a direct chat refuses a title (%j) and stores nothing", async (title) => {
    expect(await codeOf(svc.createChat("alice", { kind: ChatKind.DIRECT, title, memberIds: ["bob"] }))).toBe("invalid_argument");
    expect((await svc.listMyChats("alice", 0, "")).chats).toEqual([]);
    expect(published).toEqual([]);
  });
});

describe("ChatService last admin (ADR-0021)", () => {
  it("the last admin cannot leave while others remain, nor be removed or demoted", async () => {
    const chatId = await group();
    expect(await codeOf(svc.removeMember("alice", { chatId, userId: "alice" }))).toBe("failed_precondition");
    expect(await codeOf(svc.updateMemberRole("alice", { chatId, userId: "alice", role: MemberRole.MEMBER }))).toBe("failed_precondition");
    expect((await store.getMember(chatId, "alice"))?.role).toBe(MemberRole.ADMIN);
    expect(published).toEqual([]);
  });

  it("after handing the role on, the former last admin leaves", async () => {
    const chatId = await group();
    await svc.updateMemberRole("alice", { chatId, userId: "bob", role: MemberRole.ADMIN });
    await svc.removeMember("alice", { chatId, userId: "alice" });
    expect(await store.getMember(chatId, "alice")).toBeUndefined();
    // bob is now the last admin, and another admin may remove a fellow admin while one remains.
    expect(await codeOf(svc.removeMember("bob", { chatId, userId: "bob" }))).toBe("failed_precondition");
  });

  it("an admin alone in the group may leave it", async () => {
    const { chat } = await svc.createChat("alice", { kind: ChatKind.GROUP, title: "Notes", memberIds: [] });
    await svc.removeMember("alice", { chatId: chat.chatId, userId: "alice" });
    expect(await store.getMember(chat.chatId, "alice")).toBeUndefined();
  });
});

describe("ChatService quotas (ADR-0021)", () => {
  function withLimits(l: Partial<ChatLimits>) {
    return new ChatService(store, { ...limits, ...l }, async (e) => void published.push(e), pageTokens);
  }

  it("members per chat: creation and adding stop at the quota with quota_exceeded", async () => {
    const small = withLimits({ maxMembersPerChat: 3 });
    expect(await codeOf(small.createChat("alice", { kind: ChatKind.GROUP, title: "T", memberIds: ["b", "c", "d"] }))).toBe("quota_exceeded");
    const { chat } = await small.createChat("alice", { kind: ChatKind.GROUP, title: "T", memberIds: ["b"] });
    await small.addMember("alice", { chatId: chat.chatId, userId: "c", role: MemberRole.MEMBER });
    const e = await small.addMember("alice", { chatId: chat.chatId, userId: "d", role: MemberRole.MEMBER }).catch((x: ChatError) => x);
    expect((e as ChatError).code).toBe("quota_exceeded");
    expect((e as ChatError).details).toMatchObject({ quota: "members_per_chat", limit: 3 });
    expect(await store.getMember(chat.chatId, "d")).toBeUndefined();
    // Adding an existing member is still already_exists, not a quota error.
    expect(await codeOf(small.addMember("alice", { chatId: chat.chatId, userId: "c", role: MemberRole.MEMBER }))).toBe("already_exists");
  });

  it("members per chat: a removed member frees a place; concurrent adds at the edge stop at the quota", async () => {
    const small = withLimits({ maxMembersPerChat: 3 });
    const { chat } = await small.createChat("alice", { kind: ChatKind.GROUP, title: "T", memberIds: ["b", "c"] });
    expect(await codeOf(small.addMember("alice", { chatId: chat.chatId, userId: "d", role: MemberRole.MEMBER }))).toBe("quota_exceeded");
    await small.removeMember("alice", { chatId: chat.chatId, userId: "c" });
    await small.addMember("alice", { chatId: chat.chatId, userId: "d", role: MemberRole.MEMBER });
    expect(await codeOf(small.addMember("alice", { chatId: chat.chatId, userId: "e", role: MemberRole.MEMBER }))).toBe("quota_exceeded");
    expect((await store.listMembers(chat.chatId)).map((m) => m.userId).sort()).toEqual(["alice", "b", "d"]);
  });

  it("adding a member does not list the chat's members (filling a chat one by one is not quadratic)", async () => {
    let listed = 0;
    const counting = new Proxy(store, {
      get(t, prop, receiver) {
        const v: unknown = Reflect.get(t, prop, receiver);
        if (prop === "listMembers") listed++;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const svcCounting = new ChatService(counting, limits, async () => undefined, pageTokens);
    const { chat } = await svcCounting.createChat("alice", { kind: ChatKind.GROUP, title: "Big", memberIds: [] });
    for (let i = 0; i < 20; i++) await svcCounting.addMember("alice", { chatId: chat.chatId, userId: `m${i}`, role: MemberRole.MEMBER });
    expect(listed).toBe(0);
    expect(await store.countMembers(chat.chatId)).toBe(21);
  });

  it("list-my-chats pages take the configured default and maximum size", async () => {
    const small = withLimits({ chatsPageDefault: 2, chatsPageMax: 3 });
    for (let i = 0; i < 4; i++) await small.createChat("alice", { kind: ChatKind.GROUP, title: `p${i}`, memberIds: [] });
    expect((await small.listMyChats("alice", 0, "")).chats).toHaveLength(2);
    expect((await small.listMyChats("alice", 3, "")).chats).toHaveLength(3);
    const e = await small.listMyChats("alice", 4, "").catch((x: ChatError) => x);
    expect(e).toMatchObject({ code: "invalid_argument", message: "page_size must be 1..3" });
  });

  it("chats per user: counts created and joined chats, for the creator and for every member", async () => {
    const small = withLimits({ maxChatsPerUser: 2 });
    await small.createChat("alice", { kind: ChatKind.GROUP, title: "1", memberIds: ["bob"] });
    await small.createChat("carol", { kind: ChatKind.GROUP, title: "2", memberIds: ["alice"] });
    // alice is in 2 chats: she cannot create a third, nobody can put her in one.
    expect(await codeOf(small.createChat("alice", { kind: ChatKind.GROUP, title: "3", memberIds: [] }))).toBe("quota_exceeded");
    expect(await codeOf(small.createChat("dave", { kind: ChatKind.DIRECT, title: "", memberIds: ["alice"] }))).toBe("quota_exceeded");
    const { chat } = await small.createChat("dave", { kind: ChatKind.GROUP, title: "4", memberIds: [] });
    expect(await codeOf(small.addMember("dave", { chatId: chat.chatId, userId: "alice", role: MemberRole.MEMBER }))).toBe("quota_exceeded");
    expect((await small.listMyChats("alice", 0, "")).chats).toHaveLength(2);
    // Leaving one frees a place.
    const mine = (await small.listMyChats("alice", 0, "")).chats.find((c) => c.title === "2")!;
    await small.removeMember("alice", { chatId: mine.chatId, userId: "alice" });
    await expect(small.addMember("dave", { chatId: chat.chatId, userId: "alice", role: MemberRole.MEMBER })).resolves.toBeDefined();
  });
});

describe("ChatService page tokens", () => {
  async function tokenForBob() {
    for (let i = 0; i < 3; i++) await group("alice", ["bob"]);
    const first = await svc.listMyChats("bob", 1, "");
    expect(first.nextPageToken).not.toBe("");
    return first;
  }

  it("pages through with the issued token", async () => {
    const first = await tokenForBob();
    const second = await svc.listMyChats("bob", 1, first.nextPageToken);
    expect(second.chats).toHaveLength(1);
    expect(second.chats[0].chatId).not.toBe(first.chats[0].chatId);
  });

  it("refuses an altered, forged, foreign or raw store cursor as invalid_argument", async () => {
    const { nextPageToken } = await tokenForBob();
    const [v, c, mac] = nextPageToken.split(".");
    const flipped = mac.slice(0, -2) + (mac.at(-2) === "A" ? "B" : "A") + mac.at(-1);
    const otherCursor = Buffer.from("{\"chatId\":\"c_0\"}").toString("base64url");
    for (const bad of [`${v}.${c}.${flipped}`, `${v}.${otherCursor}.${mac}`, c, "v1..", "x".repeat(5000), "../../etc"]) {
      expect(await codeOf(svc.listMyChats("bob", 1, bad))).toBe("invalid_argument");
    }
    // Bound to the user it was issued to.
    expect(await codeOf(svc.listMyChats("alice", 1, nextPageToken))).toBe("invalid_argument");
    // And to the key: another deployment's secret does not verify it.
    const other = new ChatService(store, limits, async () => {}, new PageTokens("another-service-secret-0123"));
    expect(await codeOf(other.listMyChats("bob", 1, nextPageToken))).toBe("invalid_argument");
  });
});
