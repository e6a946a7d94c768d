import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { DescMessage } from "@bufbuild/protobuf";
import { MessageSchema, ServerFrameSchema, ServerMessageAckSchema, type Message, type ServerFrame, type ServerMessageAck } from "@chat/proto";

// The proto3 JSON of the two frames every send produces (its `messageAck` and the `message`
// pushed to each member), written directly: the same text toJsonString gives (fields in field
// number order, zero values left out, uint64 as a decimal string, Timestamp in RFC 3339), at a
// fraction of its reflection. Any other frame, or a value this writer does not cover, gives
// undefined and the caller uses toJsonString (frame-json.test.ts compares the two).
//
// The writers below know today's fields by name: should a schema gain one (a proto change without
// a change here), frameJson steps aside for toJsonString for good rather than leave it out of
// every frame. frame-json-fields.test.ts fails then, so the writer gets updated.
const fieldNames = (schema: DescMessage) => schema.fields.map((f) => f.localName).join();
const WRITES_EVERY_FIELD =
  fieldNames(MessageSchema) === "chatId,seq,messageId,senderId,clientMessageId,body,contentType,createdAt" &&
  fieldNames(ServerMessageAckSchema) === "chatId,clientMessageId,seq,messageId,createdAt,duplicate" &&
  ServerFrameSchema.fields.filter((f) => f.oneof === undefined).map((f) => f.localName).join() === "replyTo";

export function frameJson(frame: ServerFrame): string | undefined {
  if (!WRITES_EVERY_FIELD) return undefined;
  let body: string | undefined;
  if (frame.kind.case === "message") body = messageJson(frame.kind.value);
  else if (frame.kind.case === "messageAck") body = ackJson(frame.kind.value);
  if (body === undefined) return undefined;
  const kind = `"${frame.kind.case}":${body}`;
  return frame.replyTo === "" ? `{${kind}}` : `{"replyTo":${JSON.stringify(frame.replyTo)},${kind}}`;
}

function messageJson(m: Message): string | undefined {
  const createdAt = m.createdAt === undefined ? "" : timestampJson(m.createdAt);
  if (createdAt === undefined) return undefined;
  const parts: string[] = [];
  if (m.chatId !== "") parts.push(`"chatId":${JSON.stringify(m.chatId)}`);
  if (m.seq !== 0n) parts.push(`"seq":"${m.seq}"`);
  if (m.messageId !== "") parts.push(`"messageId":${JSON.stringify(m.messageId)}`);
  if (m.senderId !== "") parts.push(`"senderId":${JSON.stringify(m.senderId)}`);
  if (m.clientMessageId !== "") parts.push(`"clientMessageId":${JSON.stringify(m.clientMessageId)}`);
  if (m.body !== "") parts.push(`"body":${JSON.stringify(m.body)}`);
  if (m.contentType !== "") parts.push(`"contentType":${JSON.stringify(m.contentType)}`);
  if (createdAt !== "") parts.push(`"createdAt":${createdAt}`);
  return `{${parts.join(",")}}`;
}

function ackJson(a: ServerMessageAck): string | undefined {
  const createdAt = a.createdAt === undefined ? "" : timestampJson(a.createdAt);
  if (createdAt === undefined) return undefined;
  const parts: string[] = [];
  if (a.chatId !== "") parts.push(`"chatId":${JSON.stringify(a.chatId)}`);
  if (a.clientMessageId !== "") parts.push(`"clientMessageId":${JSON.stringify(a.clientMessageId)}`);
  if (a.seq !== 0n) parts.push(`"seq":"${a.seq}"`);
  if (a.messageId !== "") parts.push(`"messageId":${JSON.stringify(a.messageId)}`);
  if (createdAt !== "") parts.push(`"createdAt":${createdAt}`);
  if (a.duplicate) parts.push(`"duplicate":true`);
  return `{${parts.join(",")}}`;
}

// Whole milliseconds between 1970 and 9999 only (what the server stamps); anything else is
// left to the general encoder, with its range checks and nano digits.
const MAX_SECONDS = 253402300799n;
function timestampJson(t: Timestamp): string | undefined {
  if (t.seconds < 0n || t.seconds > MAX_SECONDS || t.nanos < 0 || t.nanos % 1_000_000 !== 0 || t.nanos > 999_000_000) return undefined;
  const iso = new Date(Number(t.seconds) * 1000 + t.nanos / 1_000_000).toISOString();
  return `"${t.nanos === 0 ? iso.replace(".000Z", "Z") : iso}"`;
}
