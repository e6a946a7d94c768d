import { create, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError, TOPICS, newChatId, validateId } from "@chat/domain";
import {
  ChatCreatedSchema,
  ChatKind,
  ChatSchema,
  MemberRole,
  MemberSchema,
  MembershipChange,
  MembershipChangedSchema,
  type Chat,
  type Member,
} from "@chat/proto";
import type { OutboxEntry, Store } from "@chat/store";
import { randomUUID } from "node:crypto";
import type { PageTokens } from "./page-token";

const MAX_TITLE = 200;
// Chat + members + event are written in one DynamoDB transaction (at most 100 items); add more
// members afterwards with AddMember.
const MAX_GROUP_MEMBERS_AT_CREATE = 97;

export interface ChatLimits {
  maxIdLength: number;
  historyDefaultLimit: number;
  historyMaxLimit: number;
  chatsPageDefault: number;
  chatsPageMax: number;
  // Quotas (ADR-0021): chats a user is in (created or joined), members of one chat.
  maxChatsPerUser: number;
  maxMembersPerChat: number;
}

// Chat management rules (ADR-006/007), independent of transport. `caller` is always the
// verified user; a chat the caller is not in is not_found.
export class ChatService {
  constructor(
    private readonly store: Store,
    private readonly limits: ChatLimits,
    // Publishes events right after their write committed; the outbox drain covers failures.
    private readonly afterCommit: (entry: OutboxEntry) => Promise<void>,
    private readonly pageTokens: PageTokens,
  ) {}

  async createChat(caller: string, req: { kind: ChatKind; title: string; memberIds: string[] }): Promise<{ chat: Chat; members: Member[] }> {
    const others = [...new Set(req.memberIds)].filter((u) => u !== caller);
    for (const u of others) validateId("member_ids", u, this.limits.maxIdLength);
    if (req.memberIds.length !== new Set(req.memberIds).size) throw new ChatError("invalid_argument", "member_ids has duplicates", { details: { field: "member_ids" } });
    const title = req.title.trim();
    if (title.length > MAX_TITLE) throw new ChatError("invalid_argument", `title is longer than ${MAX_TITLE} characters`, { details: { field: "title" } });
    if (req.kind === ChatKind.DIRECT) {
      if (others.length !== 1) throw new ChatError("invalid_argument", "a direct chat has exactly one other member", { details: { field: "member_ids" } });
      // A direct chat is named after the other person on each side; a stored title would show
      // the same name to both.
      if (req.title !== "") throw new ChatError("invalid_argument", "a direct chat has no title", { details: { field: "title" } });
    } else if (req.kind === ChatKind.GROUP) {
      if (title === "") throw new ChatError("invalid_argument", "a group chat needs a title", { details: { field: "title" } });
      if (others.length > MAX_GROUP_MEMBERS_AT_CREATE) throw new ChatError("invalid_argument", `at most ${MAX_GROUP_MEMBERS_AT_CREATE} members at creation`);
    } else {
      throw new ChatError("invalid_argument", "kind must be CHAT_KIND_DIRECT or CHAT_KIND_GROUP", { details: { field: "kind" } });
    }
    if (others.length + 1 > this.limits.maxMembersPerChat) throw this.membersQuota();
    for (const u of [caller, ...others]) await this.requireChatQuota(u);
    const now = Date.now();
    const chat = create(ChatSchema, { chatId: newChatId(), kind: req.kind, title, createdBy: caller, createdAt: timestampFromMs(now) });
    const joinedAt = timestampFromMs(now);
    const creatorRole = req.kind === ChatKind.GROUP ? MemberRole.ADMIN : MemberRole.MEMBER;
    const members = [
      create(MemberSchema, { chatId: chat.chatId, userId: caller, role: creatorRole, joinedAt }),
      ...others.map((u) => create(MemberSchema, { chatId: chat.chatId, userId: u, role: MemberRole.MEMBER, joinedAt })),
    ];
    const created = event(TOPICS.chatsCreated.name, chat.chatId, ChatCreatedSchema, create(ChatCreatedSchema, { chat, members }));
    await this.store.createChat(chat, members, [created]);
    await this.afterCommit(created);
    return { chat, members };
  }

  async getChat(caller: string, chatId: string): Promise<{ chat: Chat; me: Member }> {
    const me = await this.requireMember(caller, chatId);
    const chat = await this.store.getChat(chatId);
    if (!chat) throw new ChatError("not_found", `chat ${chatId} not found`);
    return { chat, me };
  }

  async listMyChats(caller: string, pageSize: number, pageToken: string): Promise<{ chats: Chat[]; nextPageToken: string }> {
    const max = this.limits.chatsPageMax;
    if (pageSize < 0 || pageSize > max) throw new ChatError("invalid_argument", `page_size must be 1..${max}`, { details: { field: "page_size" } });
    const cursor = this.pageTokens.open(caller, pageToken);
    const page = await this.store.listMembershipsOfUser(caller, { limit: pageSize || this.limits.chatsPageDefault, cursor });
    const chats = await this.store.getChats(page.items.map((m) => m.chatId));
    return { chats, nextPageToken: this.pageTokens.issue(caller, page.nextCursor) };
  }

  async listMembers(caller: string, chatId: string): Promise<Member[]> {
    await this.requireMember(caller, chatId);
    return this.store.listMembers(chatId);
  }

  async addMember(caller: string, req: { chatId: string; userId: string; role: MemberRole }): Promise<Member> {
    const me = await this.requireMember(caller, req.chatId);
    validateId("user_id", req.userId, this.limits.maxIdLength);
    const chat = await this.store.getChat(req.chatId);
    if (chat?.kind === ChatKind.DIRECT) throw new ChatError("permission_denied", "a direct chat has exactly two members");
    const role = req.role === MemberRole.UNSPECIFIED ? MemberRole.MEMBER : req.role;
    if (role !== MemberRole.MEMBER && role !== MemberRole.ADMIN) throw new ChatError("invalid_argument", "role must be MEMBER_ROLE_MEMBER or MEMBER_ROLE_ADMIN", { details: { field: "role" } });
    if (me.role !== MemberRole.ADMIN) throw new ChatError("permission_denied", "only an admin of the chat adds members");
    if (await this.store.getMember(req.chatId, req.userId)) throw new ChatError("already_exists", `${req.userId} is already a member`);
    if ((await this.store.countMembers(req.chatId)) >= this.limits.maxMembersPerChat) throw this.membersQuota();
    await this.requireChatQuota(req.userId);
    const member = create(MemberSchema, { chatId: req.chatId, userId: req.userId, role, joinedAt: timestampFromMs(Date.now()) });
    const ev = this.membershipEvent(req.chatId, req.userId, MembershipChange.ADDED, role, caller);
    if (!(await this.store.addMember(member, [ev]))) throw new ChatError("already_exists", `${req.userId} is already a member`);
    await this.afterCommit(ev);
    return member;
  }

  async removeMember(caller: string, req: { chatId: string; userId: string }): Promise<void> {
    const me = await this.requireMember(caller, req.chatId);
    validateId("user_id", req.userId, this.limits.maxIdLength);
    if (req.userId !== caller && me.role !== MemberRole.ADMIN) throw new ChatError("permission_denied", "only an admin removes other members");
    await this.keepAnAdmin(req.chatId, req.userId, "leave or be removed");
    const ev = this.membershipEvent(req.chatId, req.userId, MembershipChange.REMOVED, MemberRole.UNSPECIFIED, caller);
    if (!(await this.store.removeMember(req.chatId, req.userId, [ev]))) throw new ChatError("not_found", `${req.userId} is not a member`);
    await this.afterCommit(ev);
  }

  async updateMemberRole(caller: string, req: { chatId: string; userId: string; role: MemberRole }): Promise<Member> {
    const me = await this.requireMember(caller, req.chatId);
    validateId("user_id", req.userId, this.limits.maxIdLength);
    if (req.role !== MemberRole.MEMBER && req.role !== MemberRole.ADMIN) throw new ChatError("invalid_argument", "role must be MEMBER_ROLE_MEMBER or MEMBER_ROLE_ADMIN", { details: { field: "role" } });
    if (me.role !== MemberRole.ADMIN) throw new ChatError("permission_denied", "only an admin changes roles");
    if (req.role !== MemberRole.ADMIN) await this.keepAnAdmin(req.chatId, req.userId, "be demoted");
    const ev = this.membershipEvent(req.chatId, req.userId, MembershipChange.ROLE_CHANGED, req.role, caller);
    const m = await this.store.updateMemberRole(req.chatId, req.userId, req.role, [ev]);
    if (!m) throw new ChatError("not_found", `${req.userId} is not a member`);
    await this.afterCommit(ev);
    return m;
  }

  async history(caller: string, req: { chatId: string; beforeSeq: bigint; afterSeq: bigint; limit: number }) {
    await this.requireMember(caller, req.chatId);
    if (req.limit > this.limits.historyMaxLimit) throw new ChatError("invalid_argument", `limit must be 1..${this.limits.historyMaxLimit}`, { details: { field: "limit" } });
    const limit = req.limit || this.limits.historyDefaultLimit;
    const range = req.beforeSeq > 0n ? { beforeSeq: req.beforeSeq, limit: limit + 1 } : { afterSeq: req.afterSeq, limit: limit + 1 };
    const page = await this.store.listMessages(req.chatId, range);
    const hasMore = page.length > limit;
    // before_seq pages come back ascending with the extra (oldest) one first.
    const messages = hasMore ? (req.beforeSeq > 0n ? page.slice(1) : page.slice(0, limit)) : page;
    return { messages, hasMore };
  }

  async receipts(caller: string, chatId: string) {
    await this.requireMember(caller, chatId);
    return this.store.listReceipts(chatId);
  }

  // A group keeps at least one admin while it has members: otherwise nobody could ever add
  // members or change roles again. The last admin hands the role on first (or is alone).
  // Checked before the write, not inside it: two admins leaving at the same instant can both
  // pass (documented in ADR-0021).
  private async keepAnAdmin(chatId: string, userId: string, action: string): Promise<void> {
    const members = await this.store.listMembers(chatId);
    const target = members.find((m) => m.userId === userId);
    if (target?.role !== MemberRole.ADMIN || members.length === 1) return;
    if (members.filter((m) => m.role === MemberRole.ADMIN).length === 1) {
      throw new ChatError("failed_precondition", `the last admin cannot ${action}: make another member admin first`, { details: { reason: "last_admin" } });
    }
  }

  // Counts the user's memberships up to the quota (a listing, stopped as soon as it is full).
  private async requireChatQuota(userId: string): Promise<void> {
    const quota = this.limits.maxChatsPerUser;
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await this.store.listMembershipsOfUser(userId, { limit: Math.min(100, quota - count + 1), cursor });
      count += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== undefined && count < quota);
    if (count >= quota) {
      throw new ChatError("quota_exceeded", `${userId} is already in ${quota} chats, the most allowed`, { details: { quota: "chats_per_user", limit: quota, user_id: userId } });
    }
  }

  private membersQuota(): ChatError {
    const limit = this.limits.maxMembersPerChat;
    return new ChatError("quota_exceeded", `a chat has at most ${limit} members`, { details: { quota: "members_per_chat", limit } });
  }

  private async requireMember(caller: string, chatId: string): Promise<Member> {
    validateId("chat_id", chatId, this.limits.maxIdLength);
    const me = await this.store.getMember(chatId, caller);
    if (!me) throw new ChatError("not_found", `chat ${chatId} not found`);
    return me;
  }

  private membershipEvent(chatId: string, userId: string, change: MembershipChange, role: MemberRole, actorId: string): OutboxEntry {
    return event(
      TOPICS.membershipsChanged.name,
      chatId,
      MembershipChangedSchema,
      create(MembershipChangedSchema, { chatId, userId, change, role, actorId, changedAt: timestampFromMs(Date.now()) }),
    );
  }
}

function event<D extends DescMessage>(topic: string, key: string, schema: D, value: MessageShape<D>): OutboxEntry {
  return { id: randomUUID(), topic, key, payload: toBinary(schema, value), createdAtMs: Date.now() };
}
