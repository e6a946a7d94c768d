import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ChatSchema, MemberSchema, MessageSchema, ReceiptPositionSchema, type Chat, type Member, type Message, type ReceiptPosition } from "@chat/proto";
import { encodeMessage } from "@chat/domain";
import type { IdempotencyRecord, OutboxEntry } from "../port";

// Values as stored: proto values in their binary encoding (compact, and what the rest of the
// system speaks), the store's own records as JSON.

export interface StoredIdempotency extends IdempotencyRecord {
  expiresAtMs: number;
}

// Buffer rather than TextEncoder/TextDecoder: faster for short strings.
const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");
const jsonBytes = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), "utf8");
const parse = <T>(b: Uint8Array): T => JSON.parse(utf8(b)) as T;

export const codec = {
  chat: { encode: (c: Chat) => toBinary(ChatSchema, c), decode: (b: Uint8Array) => fromBinary(ChatSchema, b) },
  member: { encode: (m: Member) => toBinary(MemberSchema, m), decode: (b: Uint8Array) => fromBinary(MemberSchema, b) },
  // Encoded once per message object: ingest's event carries the same bytes.
  message: { encode: (m: Message) => encodeMessage(m), decode: (b: Uint8Array) => fromBinary(MessageSchema, b) },
  receipt: { encode: (r: ReceiptPosition) => toBinary(ReceiptPositionSchema, r), decode: (b: Uint8Array) => fromBinary(ReceiptPositionSchema, b) },
  counter: { encode: (seq: bigint) => Buffer.from(seq.toString(), "latin1"), decode: (b: Uint8Array) => BigInt(utf8(b)) },
  idempotency: {
    encode: (r: StoredIdempotency) => jsonBytes({ seq: r.seq.toString(), messageId: r.messageId, expiresAtMs: r.expiresAtMs }),
    decode: (b: Uint8Array): StoredIdempotency => {
      const v = parse<{ seq: string; messageId: string; expiresAtMs: number }>(b);
      return { seq: BigInt(v.seq), messageId: v.messageId, expiresAtMs: v.expiresAtMs };
    },
  },
  // The entry's fields as JSON, then its payload (already-encoded protobuf) as it is:
  // [u32 length of the JSON][JSON][payload]. No base64 on the hot path.
  outbox: {
    encode: ({ payload, seq, ...rest }: OutboxEntry): Uint8Array => {
      const meta = Buffer.from(JSON.stringify(seq === undefined ? rest : { ...rest, seq: seq.toString() }), "utf8");
      const out = Buffer.allocUnsafe(4 + meta.length + payload.length);
      out.writeUInt32BE(meta.length, 0);
      meta.copy(out, 4);
      out.set(payload, 4 + meta.length);
      return out;
    },
    decode: (b: Uint8Array): OutboxEntry => {
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      const metaEnd = 4 + buf.readUInt32BE(0);
      const { seq, ...rest } = JSON.parse(buf.toString("utf8", 4, metaEnd)) as Omit<OutboxEntry, "payload" | "seq"> & { seq?: string };
      const entry: OutboxEntry = { ...rest, payload: new Uint8Array(buf.subarray(metaEnd)) };
      if (seq !== undefined) entry.seq = BigInt(seq);
      return entry;
    },
  },
  empty: new Uint8Array(0),
};
