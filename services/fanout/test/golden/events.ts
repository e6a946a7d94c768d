import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TOPICS } from "@chat/domain";
import { withDeadLetters, type EventLog, type EventRecord, type PublishRecord } from "@chat/eventlog";
import {
  ChatCreatedSchema,
  ChatKind,
  MemberRole,
  MembershipChange,
  MembershipChangedSchema,
  MessagePersistedSchema,
} from "@chat/proto";
import { PoisonEventError, frameForRecord } from "../../src/consume/event-frames";

// The Kafka events whose bytes are committed under testdata/ (consumer golden tests, seed 002
// Part 8.2). golden-events.test.ts decodes the COMMITTED bytes with fanout's own decoder, so a
// proto change that alters the wire format of an existing field fails CI. Only
// regenerate.ts writes the files, on purpose, after a deliberate wire change.

const at = timestampFromMs(Date.UTC(2025, 0, 2, 3, 4, 5));

function encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Uint8Array {
  return toBinary(schema, create(schema, init));
}

export interface GoldenEvent {
  file: string;
  topic: string;
  key: string;
  encode(): Uint8Array;
}

export const GOLDEN_EVENTS: GoldenEvent[] = [
  {
    file: "message_persisted.bin",
    topic: TOPICS.messagesPersisted.name,
    key: "chat-golden",
    encode: () =>
      encode(MessagePersistedSchema, {
        message: {
          chatId: "chat-golden",
          seq: 4_294_967_301n, // above 2^32: the uint64 must survive as such
          messageId: "bWVzc2FnZS1pZC1nb2xkZW4",
          senderId: "alice",
          clientMessageId: "cm-1",
          body: "héllo, wörld ✓",
          contentType: "text/plain",
          createdAt: at,
        },
      }),
  },
  {
    file: "membership_changed.bin",
    topic: TOPICS.membershipsChanged.name,
    key: "chat-golden",
    encode: () =>
      encode(MembershipChangedSchema, {
        chatId: "chat-golden",
        userId: "bob",
        change: MembershipChange.REMOVED,
        role: MemberRole.MEMBER,
        actorId: "alice",
        changedAt: at,
      }),
  },
  {
    file: "chat_created.bin",
    topic: TOPICS.chatsCreated.name,
    key: "chat-golden",
    encode: () =>
      encode(ChatCreatedSchema, {
        chat: { chatId: "chat-golden", kind: ChatKind.GROUP, title: "golden", createdBy: "alice", createdAt: at, lastSeq: 0n },
        members: [
          { chatId: "chat-golden", userId: "alice", role: MemberRole.ADMIN, joinedAt: at },
          { chatId: "chat-golden", userId: "bob", role: MemberRole.MEMBER, joinedAt: at },
        ],
      }),
  },
];

// A poison record as fanout meets it: a MessagePersisted whose message has no seq.
export const POISON_RECORD: EventRecord = {
  topic: TOPICS.messagesPersisted.name,
  partition: 5,
  offset: "1234",
  key: "chat-poison",
  value: encode(MessagePersistedSchema, { message: { chatId: "chat-poison", senderId: "mallory", body: "no seq" } }),
  headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
  timestampMs: 0,
};

export interface DeadLetterEnvelope {
  topic: string;
  key: string;
  headers: Record<string, string>;
}

// What fanout publishes to dead_letters for POISON_RECORD: its own decoder behind the same
// withDeadLetters wrapper and options fanout uses (services/fanout/src/index.ts).
export async function deadLetterOf(record: EventRecord): Promise<{ envelope: DeadLetterEnvelope; value: Uint8Array }> {
  const published: Array<{ topic: string; record: PublishRecord }> = [];
  const log = {
    publish: async (topic: string, records: PublishRecord[]) => void published.push(...records.map((r) => ({ topic, record: r }))),
  } as unknown as EventLog;
  const handle = withDeadLetters(log, async (batch) => void batch.records.map(frameForRecord), {
    maxAttempts: 3,
    backoffMs: 0,
    isPoison: (e) => e instanceof PoisonEventError,
  });
  await handle({ topic: record.topic, partition: record.partition, records: [record] });
  if (published.length !== 1) throw new Error(`expected one dead letter, got ${published.length}`);
  const [{ topic, record: out }] = published;
  return { envelope: { topic, key: out.key, headers: { ...(out.headers ?? {}) } }, value: out.value };
}
