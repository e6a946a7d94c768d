import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError, advancePosition, type ReceiptKind } from "@chat/domain";
import { ChatSchema, ReceiptPositionSchema, type Chat, type Member, type MemberRole, type Message, type ReceiptPosition } from "@chat/proto";
import type { AppendBatch, AppendConflict, AppendResult, CommitResult, IdempotencyKey, IdempotencyRecord, OutboxEntry, Page, Store } from "../port";
import { idempotencyKeyOf, validateAppendBatch } from "../append-batch";
import { OUTBOX_SHARDS } from "../outbox-shard";
import { codec } from "./codec";
import { decodeCursor, encodeCursor } from "./cursor";
import { ExpirySweeper } from "./expiry-sweeper";
import { GroupCommit, type Write } from "./group-commit";
import { idempotencyWrites, memberRemoval, memberWrites, outboxWrites } from "./records";
import { importLegacyJournal } from "./journal-import";
import { key } from "./key-layout";
import { openLevel, type LevelDb } from "./level-db";
import { MemberLists, type MemberChange } from "./member-lists";
import { checkFormat } from "./format";
import { OutboxLeases } from "./outbox-leases";
import { MemberCounts } from "./member-counts";
import { MemberScanGuard } from "./member-scan-guard";

// The all-in-one store (ADR 0024): LevelDB on disk, paged through a bounded cache, so memory
// does not grow with the data and opening does not replay anything. Each method checks and
// stages its writes in one synchronous step (see group-commit.ts), which makes it atomic with
// respect to every other call, and resolves once its writes are durable.

export interface EmbeddedStoreOptions {
  dataDir: string;
  // LevelDB block cache (CHAT_STORE_CACHE_MB).
  cacheMb?: number;
  // How often expired idempotency records are deleted.
  sweepIntervalMs?: number;
  // Members held in the in-memory member lists, over all chats (0: none kept).
  memberListRows?: number;
  // Least time between two synced flushes (CHAT_STORE_COMMIT_INTERVAL_MS; see group-commit.ts).
  commitIntervalMs?: number;
}

export const DEFAULT_CACHE_MB = 16;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
// Counters and member rows of the recently active chats stay in memory: every send reads its
// chat's counter and its sender's member row.
const HOT_KEY_CACHE = 50_000;
// Member lists of the recently active chats (a few MB at most: a member is ~150 bytes).
export const DEFAULT_MEMBER_LIST_ROWS = 50_000;

interface ScanRange {
  gt?: string;
  gte?: string;
  lt: string;
  limit?: number;
  reverse?: boolean;
}

interface Opened {
  db: LevelDb;
  commit: GroupCommit;
  sweeper: ExpirySweeper;
}

export class EmbeddedStore implements Store {
  // Every call's writes join the next synced flush (group-commit.ts).
  readonly coalescesWrites = true;
  private opening?: Promise<Opened>;
  private opened?: Opened;
  // Drain leases are coordination, not data: kept in memory only (after a restart every lease
  // is free, which is what an expired lease means anyway).
  private readonly leases = new OutboxLeases();
  private readonly memberScans = new MemberScanGuard();
  private readonly memberLists: MemberLists;
  private readonly memberCounts: MemberCounts;

  constructor(private readonly opts: EmbeddedStoreOptions) {
    this.memberLists = new MemberLists(opts.memberListRows ?? DEFAULT_MEMBER_LIST_ROWS, this.memberScans);
    this.memberCounts = new MemberCounts(this.memberLists, this.memberScans);
  }

  bootstrap(): Promise<void> {
    this.opening ??= this.open();
    return this.opening.then(() => undefined);
  }

  private async open(): Promise<Opened> {
    const db = await openLevel(this.opts.dataDir, { cacheMb: this.opts.cacheMb ?? DEFAULT_CACHE_MB });
    const commit = new GroupCommit(db, { cachedPrefixes: [key.counter(""), key.memberPrefix], cacheEntries: HOT_KEY_CACHE, intervalMs: this.opts.commitIntervalMs ?? 0 });
    try {
      await checkFormat(commit);
      await importLegacyJournal(this.opts.dataDir, commit);
      const sweeper = new ExpirySweeper(db, commit, this.opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
      sweeper.start();
      this.opened = { db, commit, sweeper };
      return this.opened;
    } catch (err) {
      await commit.drain();
      await db.close();
      throw err;
    }
  }

  async ping(): Promise<void> {
    await this.bootstrap();
  }

  async close(): Promise<void> {
    const o = this.opened ?? (await this.opening?.catch(() => undefined));
    if (!o) return;
    this.opened = undefined;
    this.opening = Promise.reject(new Error("the store is closed"));
    this.opening.catch(() => undefined);
    await o.sweeper.stop();
    await o.commit.drain();
    await o.db.close();
  }

  // The methods below run only after bootstrap (services compose the store and bootstrap it
  // before serving); this makes a call before it a clear error instead of a hang.
  private get s(): Opened {
    if (!this.opened) throw new Error("the embedded store is not open: call bootstrap() first");
    return this.opened;
  }

  private read<T>(k: string, decode: (b: Uint8Array) => T): T | undefined {
    const raw = this.s.commit.get(k);
    return raw === undefined ? undefined : decode(raw);
  }

  private async scan<T>(range: ScanRange, decode: (b: Uint8Array) => T): Promise<T[]> {
    const values = await this.s.db.values(range).all();
    return values.map(decode);
  }

  // --- chats
  async createChat(chat: Chat, members: Member[], outbox: OutboxEntry[]): Promise<void> {
    const { commit } = this.s;
    if (commit.get(key.chat(chat.chatId)) !== undefined) throw new ChatError("already_exists", `chat ${chat.chatId} already exists`);
    const writes: Write[] = [{ key: key.chat(chat.chatId), value: codec.chat.encode(create(ChatSchema, { ...chat, lastSeq: 0n })) }];
    for (const m of members) writes.push(...memberWrites(m));
    await this.stageMemberWrites(chat.chatId, [...writes, ...outboxWrites(outbox)], { put: members }, members.length);
  }

  // Every write of a member row goes through here, so that the member lists and counts never go
  // stale: they move by `change` once it is durable. `added`: members the write adds (negative:
  // removes).
  private async stageMemberWrites(chatId: string, writes: Write[], change: MemberChange, added: number): Promise<void> {
    const end = this.memberScans.begin(chatId);
    let ok = false;
    try {
      await this.s.commit.stage(writes);
      ok = true;
    } finally {
      end();
      this.memberLists.settled(chatId, ok ? change : undefined);
      this.memberCounts.settled(chatId, ok ? added : undefined);
    }
  }

  async getChat(chatId: string): Promise<Chat | undefined> {
    const chat = this.read(key.chat(chatId), codec.chat.decode);
    if (!chat) return undefined;
    chat.lastSeq = this.counter(chatId);
    return chat;
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
    return this.read(key.member(chatId, userId), codec.member.decode);
  }

  async listMembers(chatId: string): Promise<Member[]> {
    return this.memberLists.load(chatId, () => this.scan(key.membersOf(chatId), codec.member.decode));
  }

  async countMembers(chatId: string): Promise<number> {
    const db = this.s.db;
    return this.memberCounts.count(chatId, async () => (await db.keys(key.membersOf(chatId)).all()).length);
  }

  async listMembershipsOfUser(userId: string, opts: { limit: number; cursor?: string }): Promise<Page<Member>> {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const range = key.membershipsOf(userId);
    const from = after === undefined ? { gte: range.gte } : { gt: key.membership(userId, after) };
    const items = await this.s.db.values({ ...from, lt: range.lt, limit: opts.limit + 1 }).all();
    const page = items.slice(0, opts.limit).map(codec.member.decode);
    return { items: page, nextCursor: items.length > opts.limit ? encodeCursor(page[page.length - 1].chatId) : undefined };
  }

  async addMember(member: Member, outbox: OutboxEntry[]): Promise<boolean> {
    const { commit } = this.s;
    if (commit.get(key.member(member.chatId, member.userId)) !== undefined) return false;
    await this.stageMemberWrites(member.chatId, [...memberWrites(member), ...outboxWrites(outbox)], { put: [member] }, 1);
    return true;
  }

  async removeMember(chatId: string, userId: string, outbox: OutboxEntry[]): Promise<boolean> {
    const { commit } = this.s;
    if (commit.get(key.member(chatId, userId)) === undefined) return false;
    await this.stageMemberWrites(chatId, [...memberRemoval(chatId, userId), ...outboxWrites(outbox)], { remove: userId }, -1);
    return true;
  }

  async updateMemberRole(chatId: string, userId: string, role: MemberRole, outbox: OutboxEntry[]): Promise<Member | undefined> {
    const member = this.read(key.member(chatId, userId), codec.member.decode);
    if (!member) return undefined;
    member.role = role;
    await this.stageMemberWrites(chatId, [...memberWrites(member), ...outboxWrites(outbox)], { put: [member] }, 0);
    return member;
  }

  // --- sequence
  async allocateSeq(chatId: string): Promise<bigint> {
    const seq = this.counter(chatId) + 1n;
    await this.s.commit.stage([{ key: key.counter(chatId), value: codec.counter.encode(seq) }]);
    return seq;
  }

  async currentSeq(chatId: string): Promise<bigint> {
    return this.counter(chatId);
  }

  private counter(chatId: string): bigint {
    return this.read(key.counter(chatId), codec.counter.decode) ?? 0n;
  }

  // --- messages
  async getIdempotencyRecord(k: IdempotencyKey): Promise<IdempotencyRecord | undefined> {
    return this.liveIdempotencyRecord(k);
  }

  private liveIdempotencyRecord(k: IdempotencyKey): IdempotencyRecord | undefined {
    const rec = this.read(key.idempotency(k), codec.idempotency.decode);
    if (!rec || rec.expiresAtMs <= Date.now()) return undefined;
    return { seq: rec.seq, messageId: rec.messageId };
  }

  async commitMessage(message: Message, idempotencyTtlMs: number, outbox: OutboxEntry[]): Promise<CommitResult> {
    const { commit } = this.s;
    const idem = { chatId: message.chatId, senderId: message.senderId, clientMessageId: message.clientMessageId };
    const existing = this.liveIdempotencyRecord(idem);
    if (existing) return { status: "duplicate", existing };
    const expiresAtMs = Date.now() + idempotencyTtlMs;
    const recordKey = key.idempotency(idem);
    await commit.stage([
      { key: key.message(message.chatId, message.seq), value: codec.message.encode(message) },
      ...idempotencyWrites(recordKey, { seq: message.seq, messageId: message.messageId, expiresAtMs }),
      ...outboxWrites(outbox),
    ]);
    return { status: "committed" };
  }

  // Group commit of ingest (ADR 0029): every condition checked and every write staged in one
  // synchronous step, so the batch is atomic with respect to every other call, and durable
  // together (one LevelDB batch).
  async appendMessages(batch: AppendBatch): Promise<AppendResult> {
    validateAppendBatch(batch);
    const { commit } = this.s;
    const conflicts: AppendConflict[] = [];
    for (const c of batch.chats) {
      const currentSeq = this.counter(c.chatId);
      if (currentSeq !== c.expectedSeq) conflicts.push({ kind: "counter_moved", chatId: c.chatId, currentSeq });
      const notMembers = new Set<string>();
      for (const { message } of c.messages) {
        if (!notMembers.has(message.senderId) && commit.get(key.member(c.chatId, message.senderId)) === undefined) {
          notMembers.add(message.senderId);
          conflicts.push({ kind: "not_member", chatId: c.chatId, senderId: message.senderId });
        }
        const existing = this.liveIdempotencyRecord(idempotencyKeyOf(message));
        if (existing) conflicts.push({ kind: "duplicate", chatId: c.chatId, seq: message.seq, existing });
      }
    }
    if (conflicts.length > 0) return { status: "rejected", conflicts };
    const expiresAtMs = Date.now() + batch.idempotencyTtlMs;
    const writes: Write[] = [];
    for (const c of batch.chats) {
      for (const { message, outbox } of c.messages) {
        // The counter agreed, so only a message written past the counter (a caller bug) is here.
        if (commit.get(key.message(c.chatId, message.seq)) !== undefined) {
          throw new ChatError("conflict", `seq ${message.seq} of chat ${c.chatId} is already taken`, { details: { chatId: c.chatId, seq: message.seq.toString() } });
        }
        writes.push(
          { key: key.message(c.chatId, message.seq), value: codec.message.encode(message) },
          ...idempotencyWrites(key.idempotency(idempotencyKeyOf(message)), { seq: message.seq, messageId: message.messageId, expiresAtMs }),
          ...outboxWrites(outbox),
        );
      }
      writes.push({ key: key.counter(c.chatId), value: codec.counter.encode(c.messages[c.messages.length - 1].message.seq) });
    }
    await commit.stage(writes);
    return { status: "committed" };
  }

  async getMessage(chatId: string, seq: bigint): Promise<Message | undefined> {
    return this.read(key.message(chatId, seq), codec.message.decode);
  }

  async listMessages(chatId: string, range: { afterSeq?: bigint; beforeSeq?: bigint; limit: number }): Promise<Message[]> {
    if (range.limit <= 0) return [];
    const all = key.messagesOf(chatId);
    const lower = range.afterSeq === undefined ? { gte: all.gte } : { gt: key.message(chatId, range.afterSeq) };
    const upper = range.beforeSeq === undefined ? all.lt : key.message(chatId, range.beforeSeq);
    if (range.beforeSeq !== undefined && range.afterSeq === undefined) {
      // The newest `limit` below beforeSeq, read backwards, returned ascending. (With both
      // bounds: the oldest `limit` inside them, as on DynamoDB.)
      const newest = await this.scan({ ...lower, lt: upper, limit: range.limit, reverse: true }, codec.message.decode);
      return newest.reverse();
    }
    return this.scan({ ...lower, lt: upper, limit: range.limit }, codec.message.decode);
  }

  // --- receipts
  async advanceReceipt(chatId: string, userId: string, kind: ReceiptKind, seq: bigint): Promise<{ position: ReceiptPosition; changed: boolean }> {
    const k = key.receipt(chatId, userId);
    const cur = this.read(k, codec.receipt.decode);
    const { next, changed } = advancePosition({ deliveredSeq: cur?.deliveredSeq ?? 0n, readSeq: cur?.readSeq ?? 0n }, kind, seq);
    if (cur && !changed) return { position: cur, changed: false };
    const position = create(ReceiptPositionSchema, { chatId, userId, ...next, updatedAt: timestampFromMs(Date.now()) });
    await this.s.commit.stage([{ key: k, value: codec.receipt.encode(position) }]);
    return { position, changed: true };
  }

  async listReceipts(chatId: string): Promise<ReceiptPosition[]> {
    return this.scan(key.receiptsOf(chatId), codec.receipt.decode);
  }

  // --- outbox
  async listOutbox(limit: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    // Each shard's first `limit` in drain order, merged by age (inspection only, as DynamoDB).
    const all: OutboxEntry[] = [];
    for (let shard = 0; shard < OUTBOX_SHARDS; shard++) all.push(...(await this.listOutboxShard(shard, limit)));
    return all.sort((a, b) => a.createdAtMs - b.createdAtMs).slice(0, limit);
  }

  // Keys only, each shard's range read up to what is left of the cap.
  async countOutbox(cap: number): Promise<number> {
    let total = 0;
    for (let shard = 0; shard < OUTBOX_SHARDS && total < cap; shard++) {
      total += (await this.liveOutbox(shard, cap - total, false)).length;
    }
    return total;
  }

  async listOutboxShard(shard: number, limit: number): Promise<OutboxEntry[]> {
    checkShard(shard);
    if (limit <= 0) return [];
    return (await this.liveOutbox(shard, limit, true)).map(([, v]) => codec.outbox.decode(v!));
  }

  // Up to `limit` entries of a shard in key order, leaving out those whose (lazy) delete is
  // staged but not yet written: they are gone for every caller already.
  private async liveOutbox(shard: number, limit: number, values: boolean): Promise<Array<[string, Uint8Array | undefined]>> {
    const { commit, db } = this.s;
    const range = key.outboxShard(shard);
    const out: Array<[string, Uint8Array | undefined]> = [];
    let after: string | undefined;
    while (out.length < limit) {
      const want = limit - out.length;
      const from = after === undefined ? { gte: range.gte } : { gt: after };
      const page: Array<[string, Uint8Array | undefined]> = values
        ? await db.iterator({ ...from, lt: range.lt, limit: want }).all()
        : (await db.keys({ ...from, lt: range.lt, limit: want }).all()).map((k) => [k, undefined]);
      for (const entry of page) if (!commit.deleting(entry[0])) out.push(entry);
      if (page.length < want) break;
      after = page[page.length - 1][0];
    }
    return out;
  }

  async acquireOutboxLease(shard: number, owner: string, ttlMs: number): Promise<boolean> {
    checkShard(shard);
    return this.leases.acquire(shard, owner, ttlMs);
  }

  async releaseOutboxLease(shard: number, owner: string): Promise<void> {
    checkShard(shard);
    this.leases.release(shard, owner);
  }

  async deleteOutbox(entries: OutboxEntry[]): Promise<void> {
    // Deleting an absent key is a no-op in LevelDB, so no read first. Lazy: losing a delete in
    // a crash only publishes its entry again (at-least-once), so it asks for no fdatasync.
    await this.s.commit.stage(
      entries.map((e) => ({ key: key.outbox(e), value: null })),
      { lazy: true },
    );
  }
}

function checkShard(shard: number): void {
  if (!Number.isInteger(shard) || shard < 0 || shard >= OUTBOX_SHARDS) throw new RangeError(`outbox shard ${shard} is not in 0..${OUTBOX_SHARDS - 1}`);
}

export function createEmbeddedStore(opts: EmbeddedStoreOptions): Store {
  return new EmbeddedStore(opts);
}
