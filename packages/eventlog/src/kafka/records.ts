import type { IHeaders, KafkaMessage, Message } from "kafkajs";
import type { EventRecord, Headers, PublishRecord } from "../port";

export function toKafkaMessage(record: PublishRecord, partition: number): Message {
  return {
    key: record.key,
    value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
    headers: record.headers,
    partition,
  };
}

export function toEventRecord(topic: string, partition: number, message: KafkaMessage): EventRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString("utf8") ?? "",
    value: message.value ? new Uint8Array(message.value.buffer, message.value.byteOffset, message.value.byteLength) : new Uint8Array(),
    headers: decodeHeaders(message.headers),
    timestampMs: Number(message.timestamp),
  };
}

// Kafka allows a header key to repeat; like Java's Headers.lastHeader, the last value wins.
function decodeHeaders(headers: IHeaders | undefined): Headers {
  const out: Headers = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}
