import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toJson } from "@bufbuild/protobuf";
import { DEAD_LETTER_HEADERS, TOPICS } from "@chat/domain";
import type { EventRecord } from "@chat/eventlog";
import { ServerFrameSchema } from "@chat/proto";
import { PoisonEventError, frameForRecord } from "../../src/consume/event-frames";
import { GOLDEN_EVENTS, POISON_RECORD, deadLetterOf, type DeadLetterEnvelope } from "./events";

// Consumer golden tests: the committed bytes in testdata/ are what producers put on Kafka.
// Fanout's own decoder must still read them as before; a proto change that renumbers, retypes
// or removes a field of an event makes these fail. If the change is deliberate, regenerate the
// files (node --import tsx services/fanout/test/golden/regenerate.ts) in the same commit as the
// consumer update.

const testdata = (file: string) => new Uint8Array(readFileSync(join(import.meta.dirname, "testdata", file)));

function record(topic: string, key: string, value: Uint8Array): EventRecord {
  return { topic, partition: 0, offset: "0", key, value, headers: {}, timestampMs: 0 };
}

const pushed = (file: string) => {
  const e = GOLDEN_EVENTS.find((g) => g.file === file)!;
  const item = frameForRecord(record(e.topic, e.key, testdata(file)));
  return { chatId: item.chatId, alsoNotify: item.alsoNotify, frame: toJson(ServerFrameSchema, item.frame) };
};

test("one golden payload per consumed topic, and the dead letter", () => {
  const consumed = [TOPICS.messagesPersisted.name, TOPICS.membershipsChanged.name, TOPICS.chatsCreated.name];
  expect(GOLDEN_EVENTS.map((e) => e.topic).sort()).toEqual(consumed.sort());
});

test("messages.persisted golden bytes decode to the same pushed message", () => {
  expect(pushed("message_persisted.bin")).toEqual({
    chatId: "chat-golden",
    alsoNotify: [],
    frame: {
      message: {
        chatId: "chat-golden",
        seq: "4294967301",
        messageId: "bWVzc2FnZS1pZC1nb2xkZW4",
        senderId: "alice",
        clientMessageId: "cm-1",
        body: "héllo, wörld ✓",
        contentType: "text/plain",
        createdAt: "2025-01-02T03:04:05Z",
      },
    },
  });
});

test("memberships.changed golden bytes decode to the same membership frame, also sent to the removed user", () => {
  expect(pushed("membership_changed.bin")).toEqual({
    chatId: "chat-golden",
    alsoNotify: ["bob"],
    frame: { membership: { chatId: "chat-golden", userId: "bob", change: "MEMBERSHIP_CHANGE_REMOVED", role: "MEMBER_ROLE_MEMBER" } },
  });
});

test("chats.created golden bytes decode to the creator's membership frame", () => {
  expect(pushed("chat_created.bin")).toEqual({
    chatId: "chat-golden",
    alsoNotify: [],
    frame: { membership: { chatId: "chat-golden", userId: "alice", change: "MEMBERSHIP_CHANGE_ADDED" } },
  });
});

test("today's producers still write exactly the committed bytes (no silent wire drift)", () => {
  for (const e of GOLDEN_EVENTS) expect({ file: e.file, bytes: Buffer.from(e.encode()).toString("hex") }).toEqual({ file: e.file, bytes: Buffer.from(testdata(e.file)).toString("hex") });
});

test("the dead-letter envelope keeps the original key and bytes, with provenance headers as committed", async () => {
  const committed = JSON.parse(readFileSync(join(import.meta.dirname, "testdata", "dead_letter.json"), "utf8")) as DeadLetterEnvelope;
  const bytes = testdata("dead_letter.bin");
  // Consumers of dead_letters read these header names.
  expect(Object.keys(committed.headers)).toEqual(expect.arrayContaining(Object.values(DEAD_LETTER_HEADERS)));
  expect(committed).toMatchObject({ topic: TOPICS.deadLetters.name, key: POISON_RECORD.key });
  expect(committed.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(TOPICS.messagesPersisted.name);
  // The bytes are the poison record's own, and fanout still refuses them.
  expect(Buffer.from(bytes)).toEqual(Buffer.from(POISON_RECORD.value));
  expect(() => frameForRecord(record(committed.headers[DEAD_LETTER_HEADERS.sourceTopic], committed.key, bytes))).toThrow(PoisonEventError);
  // Fanout's dead-letter path produces exactly the committed envelope today.
  const now = await deadLetterOf(POISON_RECORD);
  expect(now.envelope).toEqual(committed);
  expect(Buffer.from(now.value)).toEqual(Buffer.from(bytes));
});
