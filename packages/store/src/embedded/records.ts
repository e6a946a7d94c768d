import type { Member } from "@chat/proto";
import type { OutboxEntry } from "../port";
import { codec } from "./codec";
import type { Write } from "./group-commit";
import { key } from "./key-layout";

// Writes that keep a record and its index together (used by the store and the journal import).

export function memberWrites(m: Member): Write[] {
  const value = codec.member.encode(m);
  return [
    { key: key.member(m.chatId, m.userId), value },
    { key: key.membership(m.userId, m.chatId), value },
  ];
}

export function memberRemoval(chatId: string, userId: string): Write[] {
  return [
    { key: key.member(chatId, userId), value: null },
    { key: key.membership(userId, chatId), value: null },
  ];
}

export function outboxWrites(entries: OutboxEntry[]): Write[] {
  return entries.map((e) => ({ key: key.outbox(e), value: codec.outbox.encode(e) }));
}

export function idempotencyWrites(recordKey: string, record: { seq: bigint; messageId: string; expiresAtMs: number }): Write[] {
  return [
    { key: recordKey, value: codec.idempotency.encode(record) },
    { key: key.expiry(record.expiresAtMs, recordKey), value: codec.empty },
  ];
}
