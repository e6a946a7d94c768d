import { TOPICS, computeMessageId, encodeMessagePersisted, timestampAtMs } from "@chat/domain";
import type { Message } from "@chat/proto";
import type { OutboxEntry } from "@chat/store";
import { randomUUID } from "node:crypto";

export interface SendInput {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  body: string;
  contentType: string;
  // W3C trace context of the send, carried by its outbox entry.
  traceHeaders: Record<string, string>;
}

// The stored message (its id a hash of its fields, seq included) and its MessagePersisted event.
export function buildMessage(send: SendInput, seq: bigint, createdAtMs: number): { message: Message; outbox: OutboxEntry } {
  const fields = { chatId: send.chatId, seq, senderId: send.senderId, clientMessageId: send.clientMessageId, body: send.body, contentType: send.contentType, createdAtMs };
  // A literal, not create(): the same plain object without the reflection, once per send.
  const message: Message = {
    $typeName: "messaging.v1.Message",
    chatId: send.chatId,
    seq,
    messageId: computeMessageId(fields),
    senderId: send.senderId,
    clientMessageId: send.clientMessageId,
    body: send.body,
    contentType: send.contentType,
    createdAt: timestampAtMs(createdAtMs),
  };
  const outbox: OutboxEntry = {
    id: randomUUID(),
    topic: TOPICS.messagesPersisted.name,
    key: send.chatId,
    // Around the message's one encoding (the store writes the same bytes), and remembered with
    // its bytes: fanout in the same process takes the event object, not a decode.
    payload: encodeMessagePersisted(message),
    createdAtMs,
    headers: send.traceHeaders,
    seq,
  };
  return { message, outbox };
}
