import type { Chat, Member, MemberRole, Message, ReceiptPosition } from "@chat/proto";
import type { ReceiptKind } from "@chat/domain";

// Sequence numbers are uint64 on the wire and bigint in TypeScript (protobuf-es mapping).

// The store port: the authoritative state (DynamoDB in distributed mode, an embedded store
// on LevelDB in all-in-one mode). Every method is one atomic step; methods that
// write an event also write it to the outbox in the same step, so a crash can delay the
// event's publication but never lose it.

// An event waiting to be published to the event log (drained by the outbox relay).
export interface OutboxEntry {
  id: string;
  topic: string;
  key: string;
  payload: Uint8Array;
  createdAtMs: number;
  // Published as event-log headers (W3C trace context: traceparent, tracestate).
  headers?: Record<string, string>;
  // Order among the entries of one key (a message's seq). The relay publishes a key's entries
  // in this order; entries without it keep their age order.
  seq?: bigint;
}

export interface IdempotencyKey {
  chatId: string;
  senderId: string;
  clientMessageId: string;
}

export interface IdempotencyRecord {
  seq: bigint;
  messageId: string;
}

export type CommitResult =
  | { status: "committed" }
  // Another send with the same idempotency key committed first; nothing was written.
  | { status: "duplicate"; existing: IdempotencyRecord };

// Group commit (ADR 0029): many sends of many chats stored in one atomic step. Each chat's
// messages carry the seqs the caller chose: expectedSeq + 1, + 2, … in order.
export interface AppendedMessage {
  message: Message;
  // Its events (a MessagePersisted entry), written in the same step.
  outbox: OutboxEntry[];
}

export interface ChatAppend {
  chatId: string;
  // The chat's counter as the caller last saw it (0 before the chat's first message). The
  // append succeeds only if the counter still has this value, and moves it to the last seq.
  expectedSeq: bigint;
  messages: AppendedMessage[];
}

export interface AppendBatch {
  chats: ChatAppend[];
  // Lifetime of each message's idempotency record.
  idempotencyTtlMs: number;
}

// Why an append was refused. The store reports at least one conflict, possibly not all of
// them (DynamoDB Local reports all; AWS documents the order of the reasons, not their number),
// so the caller resolves what it is told and tries again with the rest.
export type AppendConflict =
  // Another writer (another ingest replica) moved the chat's counter: currentSeq is its value.
  | { kind: "counter_moved"; chatId: string; currentSeq: bigint }
  // A live idempotency record exists for the message's (chat, sender, client_message_id).
  | { kind: "duplicate"; chatId: string; seq: bigint; existing: IdempotencyRecord }
  // The sender is not a member of the chat (or the chat does not exist).
  | { kind: "not_member"; chatId: string; senderId: string };

export type AppendResult =
  | { status: "committed" }
  // Nothing was written.
  | { status: "rejected"; conflicts: AppendConflict[] };

export interface Page<T> {
  items: T[];
  // Opaque; absent on the last page.
  nextCursor?: string;
}

export interface ChatRepository {
  // Fails with ChatError already_exists if the chat id is taken.
  createChat(chat: Chat, members: Member[], outbox: OutboxEntry[]): Promise<void>;
  getChat(chatId: string): Promise<Chat | undefined>;
  getChats(chatIds: string[]): Promise<Chat[]>;
}

export interface MemberRepository {
  getMember(chatId: string, userId: string): Promise<Member | undefined>;
  listMembers(chatId: string): Promise<Member[]>;
  // How many members the chat has (0 for an unknown chat), without listing them: the
  // members-per-chat quota is checked on every AddMember.
  countMembers(chatId: string): Promise<number>;
  // Memberships of a user, ordered by chat id.
  listMembershipsOfUser(userId: string, opts: { limit: number; cursor?: string }): Promise<Page<Member>>;
  // false (and nothing written) if the user is already a member.
  addMember(member: Member, outbox: OutboxEntry[]): Promise<boolean>;
  // false (and nothing written) if the user was not a member.
  removeMember(chatId: string, userId: string, outbox: OutboxEntry[]): Promise<boolean>;
  // undefined (and nothing written) if the user is not a member.
  updateMemberRole(chatId: string, userId: string, role: MemberRole, outbox: OutboxEntry[]): Promise<Member | undefined>;
}

export interface SequenceAllocator {
  // Atomically increments the chat's counter and returns the new value (1 for the first).
  allocateSeq(chatId: string): Promise<bigint>;
  // Highest allocated seq, 0 if none.
  currentSeq(chatId: string): Promise<bigint>;
}

export interface MessageRepository {
  getIdempotencyRecord(key: IdempotencyKey): Promise<IdempotencyRecord | undefined>;
  // Writes the message, its idempotency record (expiring after ttlMs) and the outbox entries
  // atomically. If the idempotency key already exists, writes nothing and returns duplicate.
  commitMessage(message: Message, idempotencyTtlMs: number, outbox: OutboxEntry[]): Promise<CommitResult>;
  // Group commit: every chat's counter (if it still equals expectedSeq), every message, its
  // idempotency record and its outbox entries, all or nothing, conditioned on each sender
  // being a member and each idempotency key being new (or expired). A batch that breaks the
  // rules of validateAppendBatch (append-batch.ts) is ChatError invalid_argument.
  appendMessages(batch: AppendBatch): Promise<AppendResult>;
  getMessage(chatId: string, seq: bigint): Promise<Message | undefined>;
  // Ascending seq order. afterSeq: seq > afterSeq, oldest first. beforeSeq: the `limit`
  // newest with seq < beforeSeq (still returned ascending).
  listMessages(chatId: string, range: { afterSeq?: bigint; beforeSeq?: bigint; limit: number }): Promise<Message[]>;
}

export interface ReceiptRepository {
  // Moves the (user, chat) position forward; never backwards. Returns the position after the
  // call and whether it changed.
  advanceReceipt(chatId: string, userId: string, kind: ReceiptKind, seq: bigint): Promise<{ position: ReceiptPosition; changed: boolean }>;
  listReceipts(chatId: string): Promise<ReceiptPosition[]>;
}

export interface OutboxRepository {
  // For inspection (tests, tools): up to `limit` entries, oldest first.
  listOutbox(limit: number): Promise<OutboxEntry[]>;
  // Entries waiting to be published (the backlog gauge), counted up to `cap` (min(count, cap)):
  // during a large backlog a scrape must not read the whole table. Drain leases do not count.
  countOutbox(cap: number): Promise<number>;
  // The first `limit` entries of one shard (0 ≤ shard < OUTBOX_SHARDS) in drain order
  // (compareDrainOrder in outbox-shard.ts: a chat's messages in seq order).
  listOutboxShard(shard: number, limit: number): Promise<OutboxEntry[]>;
  // Takes the entries (as written or listed), whose key and age locate them in the store. One
  // call deletes many entries in as few requests as the store allows.
  deleteOutbox(entries: OutboxEntry[]): Promise<void>;
  // The drain lease of a shard: takes it for `owner` until now + ttlMs if it is free, expired
  // or already `owner`'s (a renewal), in one conditional write. True when `owner` holds it
  // afterwards. Expiry is judged by the caller's clock, so replicas' clocks must agree to well
  // within ttlMs; if they do not, two relays may drain a shard at once, which only publishes
  // some entries twice (the outbox is at-least-once anyway).
  acquireOutboxLease(shard: number, owner: string, ttlMs: number): Promise<boolean>;
  // Gives the lease up if `owner` holds it, so another relay can take over at once.
  releaseOutboxLease(shard: number, owner: string): Promise<void>;
}

export interface Store extends ChatRepository, MemberRepository, SequenceAllocator, MessageRepository, ReceiptRepository, OutboxRepository {
  // Creates tables (or directories) if missing. Idempotent.
  bootstrap(): Promise<void>;
  // Cheap reachability check for /ready.
  ping(): Promise<void>;
  close(): Promise<void>;
  // True when the store itself coalesces the writes of concurrent calls into one durable flush
  // (the embedded store's group commit): a caller then gains nothing by holding writes back to
  // batch them, and loses latency. Absent: each call is a request of its own (DynamoDB).
  readonly coalescesWrites?: boolean;
}
