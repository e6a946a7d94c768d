import { clone, create } from "@bufbuild/protobuf";
import { ChatError, type ReceiptKind } from "@chat/domain";
import { ChatSchema, MemberSchema, type Chat, type Member, type MemberRole, type Message, type ReceiptPosition } from "@chat/proto";
import type { CommitResult, IdempotencyKey, IdempotencyRecord, OutboxEntry, Page, Store } from "../port";
import { idempotencyKeyString, decodeCursor, encodeCursor } from "./keys";
import { Journal } from "./journal";
import { OUTBOX_SHARDS, compareDrainOrder, outboxShardOf } from "../outbox-shard";
import { StoreState, json, outboxOp, type Op } from "./state";

// The all-in-one store: the whole state in memory, every mutation appended to a journal on disk
// and replayed at start. Each method applies its change synchronously (so it is atomic with
// respect to every other call) and then waits for the journal write.
export class EmbeddedStore implements Store {
  private readonly state = new StoreState();
  private readonly journal: Journal;
  private opened?: Promise<void>;
  // Drain leases are coordination, not data: kept in memory only (after a restart every lease
  // is free, which is what an expired lease means anyway).
  private readonly leases = new Map<number, { owner: string; expiresAtMs: number }>();

  constructor(dataDir: string) {
    this.journal = new Journal(dataDir);
  }

  bootstrap(): Promise<void> {
    this.opened ??= this.journal.replay((op) => this.state.apply(op as Op)).then(() => undefined);
    return this.opened;
  }

  async ping(): Promise<void> {
    await this.bootstrap();
  }

  async close(): Promise<void> {
    await this.journal.close();
  }

  // One journal line per call, so a crash keeps all of a call's ops or none of them.
  private commit(...ops: Op[]): Promise<void> {
    const op: Op = ops.length === 1 ? ops[0] : { t: "all", ops };
    this.state.apply(op);
    return this.journal.append(op);
  }

  // --- chats
  async createChat(chat: Chat, members: Member[], outbox: OutboxEntry[]): Promise<void> {
    if (this.state.chats.has(chat.chatId)) throw new ChatError("already_exists", `chat ${chat.chatId} already exists`);
    await this.commit({ t: "chat", chat: json.chat(chat), members: members.map(json.member) }, outboxOp(outbox));
  }

  async getChat(chatId: string): Promise<Chat | undefined> {
    const chat = this.state.chats.get(chatId);
    if (!chat) return undefined;
    return create(ChatSchema, { ...chat, lastSeq: this.state.counters.get(chatId) ?? 0n });
  }

  async getChats(chatIds: string[]): Promise<Chat[]> {
    const out: Chat[] = [];
    for (const id of chatIds) {
      const c = await this.getChat(id);
      if (c) out.push(c);
    }
    return out;
  }

  // --- members
  async getMember(chatId: string, userId: string): Promise<Member | undefined> {
    const m = this.state.members.get(chatId)?.get(userId);
    return m && clone(MemberSchema, m);
  }

  async listMembers(chatId: string): Promise<Member[]> {
    return [...(this.state.members.get(chatId)?.values() ?? [])].sort(byUser).map((m) => clone(MemberSchema, m));
  }

  async listMembershipsOfUser(userId: string, opts: { limit: number; cursor?: string }): Promise<Page<Member>> {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const ids = [...(this.state.chatsOfUser.get(userId) ?? [])].sort().filter((id) => after === undefined || id > after);
    const page = ids.slice(0, opts.limit);
    const items = page.map((id) => clone(MemberSchema, this.state.members.get(id)!.get(userId)!));
    return { items, nextCursor: ids.length > page.length ? encodeCursor(page[page.length - 1]) : undefined };
  }

  async addMember(member: Member, outbox: OutboxEntry[]): Promise<boolean> {
    if (this.state.members.get(member.chatId)?.has(member.userId)) return false;
    await this.commit({ t: "member+", member: json.member(member) }, outboxOp(outbox));
    return true;
  }

  async removeMember(chatId: string, userId: string, outbox: OutboxEntry[]): Promise<boolean> {
    if (!this.state.members.get(chatId)?.has(userId)) return false;
    await this.commit({ t: "member-", chatId, userId }, outboxOp(outbox));
    return true;
  }

  async updateMemberRole(chatId: string, userId: string, role: MemberRole, outbox: OutboxEntry[]): Promise<Member | undefined> {
    if (!this.state.members.get(chatId)?.has(userId)) return undefined;
    await this.commit({ t: "role", chatId, userId, role }, outboxOp(outbox));
    return this.getMember(chatId, userId);
  }

  // --- sequence
  async allocateSeq(chatId: string): Promise<bigint> {
    const seq = (this.state.counters.get(chatId) ?? 0n) + 1n;
    await this.commit({ t: "seq", chatId, seq: seq.toString() });
    return seq;
  }

  async currentSeq(chatId: string): Promise<bigint> {
    return this.state.counters.get(chatId) ?? 0n;
  }

  // --- messages
  async getIdempotencyRecord(key: IdempotencyKey): Promise<IdempotencyRecord | undefined> {
    return this.liveIdempotencyRecord(key);
  }

  // Synchronous, so commitMessage checks and applies in one turn: no concurrent send with the
  // same key can slip in between.
  private liveIdempotencyRecord(key: IdempotencyKey): IdempotencyRecord | undefined {
    const rec = this.state.idempotency.get(idempotencyKeyString(key));
    if (!rec || rec.expiresAt <= Date.now()) return undefined;
    return { seq: rec.seq, messageId: rec.messageId };
  }

  async commitMessage(message: Message, idempotencyTtlMs: number, outbox: OutboxEntry[]): Promise<CommitResult> {
    const key = { chatId: message.chatId, senderId: message.senderId, clientMessageId: message.clientMessageId };
    const existing = this.liveIdempotencyRecord(key);
    if (existing) return { status: "duplicate", existing };
    await this.commit(
      { t: "msg", message: json.message(message), idemKey: idempotencyKeyString(key), expiresAt: Date.now() + idempotencyTtlMs },
      outboxOp(outbox),
    );
    return { status: "committed" };
  }

  async getMessage(chatId: string, seq: bigint): Promise<Message | undefined> {
    return this.state.messages.get(chatId)?.find((m) => m.seq === seq);
  }

  async listMessages(chatId: string, range: { afterSeq?: bigint; beforeSeq?: bigint; limit: number }): Promise<Message[]> {
    const all = this.state.messages.get(chatId) ?? [];
    if (range.beforeSeq !== undefined) {
      const before = all.filter((m) => m.seq < range.beforeSeq!);
      return before.slice(Math.max(0, before.length - range.limit));
    }
    const after = range.afterSeq ?? 0n;
    // Messages are sorted: find the first seq > after by binary search (sync is a hot path).
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid].seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return all.slice(lo, lo + range.limit);
  }

  // --- receipts
  async advanceReceipt(chatId: string, userId: string, kind: ReceiptKind, seq: bigint): Promise<{ position: ReceiptPosition; changed: boolean }> {
    const before = this.state.receipts.get(chatId)?.get(userId);
    const op: Op = { t: "rcpt", chatId, userId, kind, seq: seq.toString(), atMs: Date.now() };
    this.state.apply(op);
    const after = this.state.receipts.get(chatId)!.get(userId)!;
    const changed = after !== before;
    if (changed) await this.journal.append(op);
    return { position: after, changed };
  }

  async listReceipts(chatId: string): Promise<ReceiptPosition[]> {
    return [...(this.state.receipts.get(chatId)?.values() ?? [])].sort(byUser);
  }

  // --- outbox
  async listOutbox(limit: number): Promise<OutboxEntry[]> {
    return [...this.state.outbox.values()].slice(0, limit);
  }

  async listOutboxShard(shard: number, limit: number): Promise<OutboxEntry[]> {
    checkShard(shard);
    if (limit <= 0) return [];
    const inShard = [...this.state.outbox.values()].filter((e) => outboxShardOf(e.key) === shard);
    return inShard.sort(compareDrainOrder).slice(0, limit);
  }

  async acquireOutboxLease(shard: number, owner: string, ttlMs: number): Promise<boolean> {
    checkShard(shard);
    const now = Date.now();
    const cur = this.leases.get(shard);
    if (cur && cur.owner !== owner && cur.expiresAtMs >= now) return false;
    this.leases.set(shard, { owner, expiresAtMs: now + ttlMs });
    return true;
  }

  async releaseOutboxLease(shard: number, owner: string): Promise<void> {
    checkShard(shard);
    if (this.leases.get(shard)?.owner === owner) this.leases.delete(shard);
  }

  async deleteOutbox(entries: OutboxEntry[]): Promise<void> {
    const present = entries.map((e) => e.id).filter((id) => this.state.outbox.has(id));
    if (present.length > 0) await this.commit({ t: "ob-", ids: present });
  }
}

function checkShard(shard: number): void {
  if (!Number.isInteger(shard) || shard < 0 || shard >= OUTBOX_SHARDS) throw new RangeError(`outbox shard ${shard} is not in 0..${OUTBOX_SHARDS - 1}`);
}

function byUser(a: { userId: string }, b: { userId: string }): number {
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

export function createEmbeddedStore(opts: { dataDir: string }): Store {
  return new EmbeddedStore(opts.dataDir);
}
