import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { create, type DescEnum } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  ChatKindSchema,
  ChatSchema,
  MemberRoleSchema,
  MemberSchema,
  MessageSchema,
  ReceiptPositionSchema,
  type Chat,
  type Member,
  type Message,
  type ReceiptPosition,
} from "@chat/proto";
import type { IdempotencyKey, IdempotencyRecord, OutboxEntry } from "../port";

// Protobuf messages <-> DynamoDB items, one readable column per field (enum names, epoch-ms
// numbers, plain strings) so an operator can read and query the tables with the AWS console or
// CLI. Only the outbox payload is opaque (Binary): it is already-encoded event bytes.
// The rows below are the exact attribute sets; docs/data-model.md lists them per table.
// Every Number column is a bigint here: seqs are uint64, and reading all numbers as bigint
// keeps them exact without per-column rules (timestamps are converted where used).

export type Item = Record<string, AttributeValue>;

export interface ChatRow {
  chat_id: string;
  kind: string;
  title: string;
  created_by: string;
  created_at?: bigint;
}

export interface MemberRow {
  chat_id: string;
  user_id: string;
  role: string;
  joined_at?: bigint;
}

export interface MessageRow {
  chat_id: string;
  seq: bigint;
  message_id: string;
  sender_id: string;
  client_message_id: string;
  body: string;
  content_type: string;
  created_at?: bigint;
}

export interface IdempotencyRow {
  pk: string;
  chat_id: string;
  sender_id: string;
  client_message_id: string;
  seq: bigint;
  message_id: string;
  // Epoch seconds, for DynamoDB's TTL sweeper.
  expires_at: bigint;
  // Epoch milliseconds, for reads and conditions (the sweeper runs late and at second precision).
  expires_at_ms: bigint;
}

export interface ReceiptRow {
  chat_id: string;
  user_id: string;
  delivered_seq: bigint;
  read_seq: bigint;
  updated_at?: bigint;
}

export interface OutboxRow {
  shard: string;
  sk: string;
  id: string;
  topic: string;
  key: string;
  payload: Uint8Array;
  created_at: bigint;
  headers?: Record<string, string>;
  seq?: bigint;
}

export function toItem(row: object): Item {
  return marshall(row, { removeUndefinedValues: true });
}

export function fromItem<T>(item: Item): T {
  return unmarshall(item, { wrapNumbers: (n) => BigInt(n) }) as T;
}

function msOf(ts: Timestamp | undefined): bigint | undefined {
  return ts ? BigInt(timestampMs(ts)) : undefined;
}

function tsOf(ms: bigint | undefined): Timestamp | undefined {
  return ms === undefined ? undefined : timestampFromMs(Number(ms));
}

// Enums are stored by their proto name (e.g. "MEMBER_ROLE_ADMIN"), the same spelling as the
// canonical JSON encoding; an unknown name reads back as UNSPECIFIED (0).
function enumName(schema: DescEnum, value: number): string {
  return schema.value[value]?.name ?? String(value);
}

function enumValue(schema: DescEnum, name: string): number {
  return schema.values.find((v) => v.name === name)?.number ?? 0;
}

export function chatToRow(chat: Chat): ChatRow {
  return {
    chat_id: chat.chatId,
    kind: enumName(ChatKindSchema, chat.kind),
    title: chat.title,
    created_by: chat.createdBy,
    created_at: msOf(chat.createdAt),
  };
}

// last_seq is not a chat column: it is the sequence counter, read alongside.
export function chatFromRow(row: ChatRow, lastSeq: bigint): Chat {
  return create(ChatSchema, {
    chatId: row.chat_id,
    kind: enumValue(ChatKindSchema, row.kind),
    title: row.title,
    createdBy: row.created_by,
    createdAt: tsOf(row.created_at),
    lastSeq,
  });
}

export function roleName(role: number): string {
  return enumName(MemberRoleSchema, role);
}

export function memberToRow(member: Member): MemberRow {
  return { chat_id: member.chatId, user_id: member.userId, role: roleName(member.role), joined_at: msOf(member.joinedAt) };
}

export function memberFromRow(row: MemberRow): Member {
  return create(MemberSchema, {
    chatId: row.chat_id,
    userId: row.user_id,
    role: enumValue(MemberRoleSchema, row.role),
    joinedAt: tsOf(row.joined_at),
  });
}

export function messageToRow(m: Message): MessageRow {
  return {
    chat_id: m.chatId,
    seq: m.seq,
    message_id: m.messageId,
    sender_id: m.senderId,
    client_message_id: m.clientMessageId,
    body: m.body,
    content_type: m.contentType,
    created_at: msOf(m.createdAt),
  };
}

export function messageFromRow(row: MessageRow): Message {
  return create(MessageSchema, {
    chatId: row.chat_id,
    seq: row.seq,
    messageId: row.message_id,
    senderId: row.sender_id,
    clientMessageId: row.client_message_id,
    body: row.body,
    contentType: row.content_type,
    createdAt: tsOf(row.created_at),
  });
}

// Ids cannot contain '#' (see validateId in @chat/domain), so the joined key is unambiguous.
export function idempotencyPk(key: IdempotencyKey): string {
  return `${key.chatId}#${key.senderId}#${key.clientMessageId}`;
}

export function idempotencyToRow(key: IdempotencyKey, record: IdempotencyRecord, expiresAtMs: number): IdempotencyRow {
  return {
    pk: idempotencyPk(key),
    chat_id: key.chatId,
    sender_id: key.senderId,
    client_message_id: key.clientMessageId,
    seq: record.seq,
    message_id: record.messageId,
    expires_at: BigInt(Math.ceil(expiresAtMs / 1000)),
    expires_at_ms: BigInt(expiresAtMs),
  };
}

export function idempotencyFromRow(row: IdempotencyRow): IdempotencyRecord {
  return { seq: row.seq, messageId: row.message_id };
}

export function receiptFromRow(row: ReceiptRow): ReceiptPosition {
  return create(ReceiptPositionSchema, {
    chatId: row.chat_id,
    userId: row.user_id,
    deliveredSeq: row.delivered_seq,
    readSeq: row.read_seq,
    updatedAt: tsOf(row.updated_at),
  });
}

export function emptyReceipt(chatId: string, userId: string): ReceiptPosition {
  return create(ReceiptPositionSchema, { chatId, userId });
}

export function outboxToRow(entry: OutboxEntry, shard: string, sk: string): OutboxRow {
  return { shard, sk, id: entry.id, topic: entry.topic, key: entry.key, payload: entry.payload, created_at: BigInt(entry.createdAtMs), headers: entry.headers, seq: entry.seq };
}

export function outboxFromRow(row: OutboxRow): OutboxEntry {
  return { id: row.id, topic: row.topic, key: row.key, payload: row.payload, createdAtMs: Number(row.created_at), headers: row.headers, ...(row.seq === undefined ? {} : { seq: row.seq }) };
}
