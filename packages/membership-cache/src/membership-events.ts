import { fromBinary } from "@bufbuild/protobuf";
import { TOPICS } from "@chat/domain";
import type { EventRecord } from "@chat/eventlog";
import { ChatCreatedSchema, MembershipChangedSchema } from "@chat/proto";

// What a membership event makes stale: the chat's member list and, for each user named, that
// user's own membership entry and list of chats.
export interface MembershipChangeSet {
  chatId: string;
  userIds: string[];
  // False when the payload did not say who changed: everything cached may be stale.
  complete: boolean;
}

export const MEMBERSHIP_TOPICS = [TOPICS.membershipsChanged, TOPICS.chatsCreated] as const;

// Pure. undefined for a record of another topic. A payload that does not decode, or names no
// user, is reported incomplete rather than ignored: the cache then drops everything it holds.
export function changeOf(record: EventRecord): MembershipChangeSet | undefined {
  try {
    switch (record.topic) {
      case TOPICS.membershipsChanged.name: {
        const ev = fromBinary(MembershipChangedSchema, record.value);
        return { chatId: ev.chatId || record.key, userIds: ev.userId ? [ev.userId] : [], complete: ev.userId !== "" };
      }
      case TOPICS.chatsCreated.name: {
        const ev = fromBinary(ChatCreatedSchema, record.value);
        return { chatId: ev.chat?.chatId || record.key, userIds: ev.members.map((m) => m.userId), complete: ev.members.length > 0 };
      }
      default:
        return undefined;
    }
  } catch {
    return { chatId: record.key, userIds: [], complete: false };
  }
}
