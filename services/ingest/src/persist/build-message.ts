import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TOPICS, computeMessageId, encodeMessagePersisted } from "@chat/domain";
import { MessageSchema, type Message } from "@chat/proto";
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
  const message = create(MessageSchema, { ...fields, messageId: computeMessageId(fields), createdAt: timestampFromMs(createdAtMs) });
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
