import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TOPICS } from "@chat/domain";
import type { EventRecord } from "@chat/eventlog";
import {
  ChatCreatedSchema,
  ChatKind,
  MemberRole,
  MembershipChange,
  MembershipChangedSchema,
  MessagePersistedSchema,
  MessageSchema,
} from "@chat/proto";
import { PoisonEventError, frameForRecord } from "../src/consume/event-frames";

function record(topic: string, value: Uint8Array, key = "c1"): EventRecord {
  return { topic, partition: 3, offset: "42", key, value, headers: {}, timestampMs: 0 };
}

const message = create(MessageSchema, {
  chatId: "c1",
  seq: 7n,
  messageId: "mid",
  senderId: "alice",
  clientMessageId: "m-1",
  body: "hi",
  contentType: "text/plain",
  createdAt: timestampFromMs(Date.UTC(2024, 0, 1)),
});

function poisonOf(r: EventRecord): PoisonEventError {
  try {
    frameForRecord(r);
  } catch (e) {
    expect(e).toBeInstanceOf(PoisonEventError);
    return e as PoisonEventError;
  }
  throw new Error("expected a PoisonEventError");
}

describe("frameForRecord", () => {
  it("turns messages.persisted into a message frame for the chat", () => {
    const item = frameForRecord(record(TOPICS.messagesPersisted.name, toBinary(MessagePersistedSchema, create(MessagePersistedSchema, { message }))));
    expect(item.chatId).toBe("c1");
    expect(item.alsoNotify).toEqual([]);
    expect(item.frame.replyTo).toBe("");
    expect(item.frame.kind.case).toBe("message");
    expect(item.frame.kind.value).toEqual(message);
  });

  it("turns memberships.changed (added) into a membership frame for the chat's members only", () => {
    const ev = create(MembershipChangedSchema, { chatId: "c1", userId: "bob", change: MembershipChange.ADDED, role: MemberRole.MEMBER, actorId: "alice" });
    const item = frameForRecord(record(TOPICS.membershipsChanged.name, toBinary(MembershipChangedSchema, ev)));
    expect(item.chatId).toBe("c1");
    expect(item.alsoNotify).toEqual([]);
    expect(item.frame.kind.case).toBe("membership");
    expect(item.frame.kind.value).toMatchObject({ chatId: "c1", userId: "bob", change: MembershipChange.ADDED, role: MemberRole.MEMBER });
  });

  it("notifies a removed member too (they are no longer in the member list)", () => {
    const ev = create(MembershipChangedSchema, { chatId: "c1", userId: "bob", change: MembershipChange.REMOVED, actorId: "alice" });
    const item = frameForRecord(record(TOPICS.membershipsChanged.name, toBinary(MembershipChangedSchema, ev)));
    expect(item.alsoNotify).toEqual(["bob"]);
    expect(item.frame.kind.value).toMatchObject({ chatId: "c1", userId: "bob", change: MembershipChange.REMOVED });
  });

  it("passes a role change through as a membership frame with the new role", () => {
    const ev = create(MembershipChangedSchema, { chatId: "c1", userId: "bob", change: MembershipChange.ROLE_CHANGED, role: MemberRole.ADMIN });
    const item = frameForRecord(record(TOPICS.membershipsChanged.name, toBinary(MembershipChangedSchema, ev)));
    expect(item.alsoNotify).toEqual([]);
    expect(item.frame.kind.value).toMatchObject({ change: MembershipChange.ROLE_CHANGED, role: MemberRole.ADMIN });
  });

  it("turns chats.created into a membership frame (creator added) for the new chat", () => {
    const ev = create(ChatCreatedSchema, {
      chat: { chatId: "c9", kind: ChatKind.GROUP, title: "t", createdBy: "alice" },
      members: [
        { chatId: "c9", userId: "alice", role: MemberRole.ADMIN },
        { chatId: "c9", userId: "bob", role: MemberRole.MEMBER },
      ],
    });
    const item = frameForRecord(record(TOPICS.chatsCreated.name, toBinary(ChatCreatedSchema, ev), "c9"));
    expect(item.chatId).toBe("c9");
    expect(item.alsoNotify).toEqual([]);
    expect(item.frame.kind.case).toBe("membership");
    expect(item.frame.kind.value).toMatchObject({ chatId: "c9", userId: "alice", change: MembershipChange.ADDED });
  });

  it.each([TOPICS.messagesPersisted.name, TOPICS.membershipsChanged.name, TOPICS.chatsCreated.name])(
    "rejects a garbage %s payload as a PoisonEventError naming topic, partition and offset",
    (topic) => {
      const e = poisonOf(record(topic, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])));
      expect(e.name).toBe("PoisonEventError");
      expect(e.message).toContain(`${topic}@3:42`);
    },
  );

  it.each([TOPICS.messagesPersisted.name, TOPICS.membershipsChanged.name, TOPICS.chatsCreated.name])("rejects an empty %s payload as poison", (topic) => {
    poisonOf(record(topic, new Uint8Array()));
  });

  it("rejects a persisted message with seq 0 or without a chat as poison", () => {
    const noSeq = create(MessagePersistedSchema, { message: { ...message, seq: 0n } });
    poisonOf(record(TOPICS.messagesPersisted.name, toBinary(MessagePersistedSchema, noSeq)));
    const noChat = create(MessagePersistedSchema, { message: { ...message, chatId: "" } });
    poisonOf(record(TOPICS.messagesPersisted.name, toBinary(MessagePersistedSchema, noChat)));
  });

  it("rejects a membership change without a user as poison", () => {
    const ev = create(MembershipChangedSchema, { chatId: "c1", change: MembershipChange.ADDED });
    poisonOf(record(TOPICS.membershipsChanged.name, toBinary(MembershipChangedSchema, ev)));
  });

  it("rejects a topic fanout does not consume as poison", () => {
    const e = poisonOf(record(TOPICS.deadLetters.name, toBinary(MessagePersistedSchema, create(MessagePersistedSchema, { message }))));
    expect(e.message).toContain("dead_letters");
  });
});
