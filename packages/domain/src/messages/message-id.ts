import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json";

// The fields a message id commits to. created_at is RFC 3339 in UTC with milliseconds.
export interface MessageEventFields {
  chatId: string;
  seq: bigint;
  senderId: string;
  clientMessageId: string;
  body: string;
  contentType: string;
  createdAtMs: number;
}

// canonicalJson of these fields, written out with the keys already in their sorted order: one
// per stored message, and the generic sort and join cost as much as the hash.
export function canonicalMessageEvent(f: MessageEventFields): string {
  return (
    `{"body":${JSON.stringify(f.body)},"chat_id":${JSON.stringify(f.chatId)},"client_message_id":${JSON.stringify(f.clientMessageId)},` +
    `"content_type":${JSON.stringify(f.contentType)},"created_at":"${new Date(f.createdAtMs).toISOString()}","sender_id":${JSON.stringify(f.senderId)},` +
    // JSON numbers lose precision above 2^53: the seq is committed to as a decimal string.
    `"seq":"${f.seq.toString()}"}`
  );
}

// The generic form canonicalMessageEvent must equal (its test compares the two).
export function canonicalMessageEventGeneric(f: MessageEventFields): string {
  return canonicalJson({
    body: f.body,
    chat_id: f.chatId,
    client_message_id: f.clientMessageId,
    content_type: f.contentType,
    created_at: new Date(f.createdAtMs).toISOString(),
    sender_id: f.senderId,
    seq: f.seq.toString(),
  });
}

// base64url(SHA-256(canonical JSON of the event)): reproducible from the stored message, so a
// changed body or seq no longer matches its id (tamper-evident).
export function computeMessageId(f: MessageEventFields): string {
  return createHash("sha256").update(canonicalMessageEvent(f), "utf8").digest("base64url");
}
