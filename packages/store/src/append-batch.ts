import { ChatError } from "@chat/domain";
import type { AppendBatch, IdempotencyKey } from "./port";

// The rules of a group commit (Store.appendMessages), the same for every adapter, so a batch
// the embedded store accepts is one DynamoDB accepts too.

// DynamoDB's limit of items in one TransactWriteItems.
export const MAX_APPEND_ITEMS = 100;

// Items of the one transaction an append is: per chat its counter; per message the message and
// its idempotency record; per (chat, sender) one membership check (a transaction may not touch
// an item twice, so a sender's several messages share it); every outbox entry.
export function appendItemCount(batch: AppendBatch): number {
  let items = 0;
  for (const c of batch.chats) {
    const senders = new Set<string>();
    items += 1;
    for (const m of c.messages) {
      items += 2 + m.outbox.length;
      senders.add(m.message.senderId);
    }
    items += senders.size;
  }
  return items;
}

export function idempotencyKeyOf(m: { chatId: string; senderId: string; clientMessageId: string }): IdempotencyKey {
  return { chatId: m.chatId, senderId: m.senderId, clientMessageId: m.clientMessageId };
}

// Throws ChatError invalid_argument for a batch no adapter may store: a chat listed twice, a
// chat without messages, a message of another chat, seqs that do not continue expectedSeq one
// by one, an idempotency key used twice (the caller resolves those in memory), a TTL that is
// not positive, or more items than one transaction holds.
export function validateAppendBatch(batch: AppendBatch): void {
  const bad = (message: string) => new ChatError("invalid_argument", `append batch: ${message}`);
  if (!(batch.idempotencyTtlMs > 0)) throw bad("idempotencyTtlMs must be positive");
  const chats = new Set<string>();
  const keys = new Set<string>();
  for (const c of batch.chats) {
    if (chats.has(c.chatId)) throw bad(`chat ${c.chatId} is listed twice`);
    chats.add(c.chatId);
    if (c.messages.length === 0) throw bad(`chat ${c.chatId} has no messages`);
    if (c.expectedSeq < 0n) throw bad(`chat ${c.chatId}: expectedSeq is negative`);
    let seq = c.expectedSeq;
    for (const { message } of c.messages) {
      seq++;
      if (message.chatId !== c.chatId) throw bad(`a message of chat ${message.chatId} is listed under chat ${c.chatId}`);
      if (message.seq !== seq) throw bad(`chat ${c.chatId}: seq ${message.seq} where ${seq} was due`);
      const key = `${message.chatId}#${message.senderId}#${message.clientMessageId}`;
      if (keys.has(key)) throw bad(`idempotency key ${key} is used twice`);
      keys.add(key);
    }
  }
  const items = appendItemCount(batch);
  if (items > MAX_APPEND_ITEMS) throw bad(`${items} items, more than the ${MAX_APPEND_ITEMS} one transaction holds`);
}
