import type { IdempotencyKey, OutboxEntry } from "../port";
import { outboxShardOf } from "../outbox-shard";
import { Lru } from "@chat/domain";

// Where each record lives in the LevelDB key space. Keys are UTF-8 strings: a one-letter kind,
// then the parts joined with "#". Ids match [A-Za-z0-9_\-.:@]+ (validateId), whose characters
// all sort above "#", so "m#c1#" never prefixes a key of chat "c1-x", and a prefix's range ends
// just below the same prefix with "$" (the character after "#") in place of its last "#".
// Numbers are zero-padded so that their byte order is their numeric order.

export interface KeyRange {
  gte: string;
  lt: string;
}

const SEQ_DIGITS = 20; // uint64 max has 20 digits
const MS_DIGITS = 15;

export const pad = (n: bigint | number, digits: number): string => n.toString().padStart(digits, "0");

// outboxShardOf hashes (SHA-256) the key: a send would hash its chat id twice (entry written,
// entry deleted). Remembered for the recently active chats.
const shardMemo = new Lru<string, number>(50_000);
function shardOf(eventKey: string): number {
  let shard = shardMemo.get(eventKey);
  if (shard === undefined) {
    shard = outboxShardOf(eventKey);
    shardMemo.set(eventKey, shard);
  }
  return shard;
}

function under(prefix: string): KeyRange {
  return { gte: prefix, lt: prefix.slice(0, -1) + "$" };
}

export const key = {
  chat: (chatId: string) => `c#${chatId}`,
  counter: (chatId: string) => `n#${chatId}`,
  member: (chatId: string, userId: string) => `m#${chatId}#${userId}`,
  memberPrefix: "m#",
  membersOf: (chatId: string) => under(`m#${chatId}#`),
  // The by-user index of members (its value is the member too, so a page is one scan).
  membership: (userId: string, chatId: string) => `u#${userId}#${chatId}`,
  membershipsOf: (userId: string) => under(`u#${userId}#`),
  message: (chatId: string, seq: bigint) => `s#${chatId}#${pad(seq, SEQ_DIGITS)}`,
  messagesOf: (chatId: string) => under(`s#${chatId}#`),
  idempotency: (k: IdempotencyKey) => `i#${k.chatId}#${k.senderId}#${k.clientMessageId}`,
  // Expiry index of idempotency records, oldest first (the sweeper deletes what is past). Its
  // key ends with the record's key.
  expiry: (expiresAtMs: number, recordKey: string) => `x#${pad(expiresAtMs, MS_DIGITS)}#${recordKey}`,
  idempotencyFromExpiry: (expiryKey: string) => expiryKey.slice(`x#${pad(0, MS_DIGITS)}#`.length),
  expiredBefore: (nowMs: number): KeyRange => ({ gte: "x#", lt: `x#${pad(nowMs, MS_DIGITS)}` }),
  receipt: (chatId: string, userId: string) => `r#${chatId}#${userId}`,
  receiptsOf: (chatId: string) => under(`r#${chatId}#`),
  // The outbox in drain order per shard (compareDrainOrder): entries without a seq first ("0",
  // by age, then id), then those with one ("1", by key, seq, id).
  outbox: (e: Pick<OutboxEntry, "id" | "key" | "createdAtMs" | "seq">) =>
    e.seq === undefined
      ? `o#${shardOf(e.key)}#0#${pad(e.createdAtMs, MS_DIGITS)}#${e.id}`
      : `o#${shardOf(e.key)}#1#${e.key}#${pad(e.seq, SEQ_DIGITS)}#${e.id}`,
  outboxShard: (shard: number) => under(`o#${shard}#`),
};
