import { create, fromBinary } from "@bufbuild/protobuf";
import { TOPICS, decodeEvent } from "@chat/domain";
import type { EventRecord } from "@chat/eventlog";
import {
  ChatCreatedSchema,
  MembershipChange,
  MembershipChangedSchema,
  MessagePersistedSchema,
  ServerFrameSchema,
  type ServerFrame,
} from "@chat/proto";

// What a consumed event means for clients: the frame to push, the chat whose members get it,
// and users outside the member list who must hear it too (a removed member).
export interface FanoutItem {
  chatId: string;
  frame: ServerFrame;
  alsoNotify: string[];
}

// An event that can never be processed, however often it is retried.
export class PoisonEventError extends Error {
  override name = "PoisonEventError";
}

// Pure decoding of one record. Throws on a payload that does not parse (a poison event that
// the dead-letter wrapper will divert).
export function frameForRecord(record: EventRecord): FanoutItem {
  try {
    return decode(record);
  } catch (e) {
    throw new PoisonEventError(`${record.topic}@${record.partition}:${record.offset}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decode(record: EventRecord): FanoutItem {
  switch (record.topic) {
    case TOPICS.messagesPersisted.name: {
      const { message } = decodeEvent(MessagePersistedSchema, record.value);
      if (!message || !message.chatId || message.seq <= 0n) throw new Error("MessagePersisted without a message");
      // A literal, not create(): one per message.
      return { chatId: message.chatId, frame: { $typeName: "messaging.v1.ServerFrame", replyTo: "", kind: { case: "message", value: message } }, alsoNotify: [] };
    }
    case TOPICS.membershipsChanged.name: {
      const ev = fromBinary(MembershipChangedSchema, record.value);
      if (!ev.chatId || !ev.userId) throw new Error("MembershipChanged without chat or user");
      const frame = create(ServerFrameSchema, {
        kind: { case: "membership", value: { chatId: ev.chatId, userId: ev.userId, change: ev.change, role: ev.role } },
      });
      return { chatId: ev.chatId, frame, alsoNotify: ev.change === MembershipChange.REMOVED ? [ev.userId] : [] };
    }
    case TOPICS.chatsCreated.name: {
      const ev = fromBinary(ChatCreatedSchema, record.value);
      if (!ev.chat?.chatId) throw new Error("ChatCreated without chat");
      const frame = create(ServerFrameSchema, {
        kind: { case: "membership", value: { chatId: ev.chat.chatId, userId: ev.chat.createdBy, change: MembershipChange.ADDED } },
      });
      return { chatId: ev.chat.chatId, frame, alsoNotify: [] };
    }
    default:
      throw new Error(`fanout does not consume ${record.topic}`);
  }
}
