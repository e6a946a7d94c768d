import { GetItemCommand, QueryCommand, type AttributeValue, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { create } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";
import { MemberSchema } from "@chat/proto";
import type { MemberRepository } from "../port";
import type { DynamoContext } from "./context";
import { decodeMembershipCursor, encodeMembershipCursor } from "./cursor";
import { cancellationReasons, failedCondition } from "./errors";
import { fromItem, memberFromRow, memberToRow, roleName, toItem, type MemberRow } from "./marshal";
import { query } from "./operations";
import type { OutboxWriter } from "./outbox";
import { MEMBERS_BY_USER_INDEX } from "./tables";

// Membership changes are transactions of the member item (with the condition that makes the
// change meaningful) plus the outbox entries announcing it; a failed condition means "no-op",
// reported as false / undefined with nothing written.

const USER_ID = { "#user_id": "user_id" };

export function memberRepository(ctx: DynamoContext, outboxWriter: OutboxWriter): MemberRepository {
  const { tables } = ctx;

  // Run a membership transaction whose first item carries the no-op condition.
  async function conditional(items: TransactWriteItem[]): Promise<boolean> {
    try {
      await ctx.transact(items);
      return true;
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (reasons && failedCondition(reasons, 0)) return false;
      throw e;
    }
  }

  async function getMember(chatId: string, userId: string) {
    const out = await ctx.client.send(
      new GetItemCommand({ TableName: tables.members, Key: toItem({ chat_id: chatId, user_id: userId }), ConsistentRead: true }),
    );
    return out.Item ? memberFromRow(fromItem<MemberRow>(out.Item)) : undefined;
  }

  return {
    getMember,

    async listMembers(chatId) {
      const { items } = await query(ctx, {
        TableName: tables.members,
        KeyConditionExpression: "#chat_id = :chat_id",
        ExpressionAttributeNames: { "#chat_id": "chat_id" },
        ExpressionAttributeValues: toItem({ ":chat_id": chatId }),
        ConsistentRead: true,
      });
      return items.map((i) => memberFromRow(fromItem<MemberRow>(i)));
    },

    // A COUNT query: DynamoDB still reads the items (1 MB pages), but none is sent or unmarshalled.
    async countMembers(chatId) {
      let count = 0;
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out = await ctx.client.send(
          new QueryCommand({
            TableName: tables.members,
            KeyConditionExpression: "#chat_id = :chat_id",
            ExpressionAttributeNames: { "#chat_id": "chat_id" },
            ExpressionAttributeValues: toItem({ ":chat_id": chatId }),
            ConsistentRead: true,
            Select: "COUNT",
            ExclusiveStartKey: start,
          }),
        );
        count += out.Count ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
      return count;
    },

    // The by_user index is eventually consistent on AWS (no ConsistentRead on a GSI): a
    // membership added a moment ago may be missing from this listing for a short while.
    async listMembershipsOfUser(userId, { limit, cursor }) {
      if (!Number.isInteger(limit) || limit < 1) throw new ChatError("invalid_argument", "limit must be a positive integer", { details: { field: "limit" } });
      const start = cursor === undefined ? undefined : decodeMembershipCursor(cursor, userId);
      // One item more than asked tells whether another page exists, so the last page never
      // carries a cursor to an empty page.
      const { items } = await query(
        ctx,
        {
          TableName: tables.members,
          IndexName: MEMBERS_BY_USER_INDEX,
          KeyConditionExpression: "#user_id = :user_id",
          ExpressionAttributeNames: USER_ID,
          ExpressionAttributeValues: toItem({ ":user_id": userId }),
          ExclusiveStartKey: start ? toItem(start) : undefined,
        },
        limit + 1,
      );
      const rows = items.slice(0, limit).map((i) => fromItem<MemberRow>(i));
      const last = rows.at(-1);
      return {
        items: rows.map(memberFromRow),
        nextCursor: items.length > limit && last ? encodeMembershipCursor(last) : undefined,
      };
    },

    async addMember(member, outbox) {
      try {
        return await conditional([
          {
            Put: {
              TableName: tables.members,
              Item: toItem(memberToRow(member)),
              ConditionExpression: "attribute_not_exists(#user_id)",
              ExpressionAttributeNames: USER_ID,
            },
          },
          {
            ConditionCheck: {
              TableName: tables.chats,
              Key: toItem({ chat_id: member.chatId }),
              ConditionExpression: "attribute_exists(#chat_id)",
              ExpressionAttributeNames: { "#chat_id": "chat_id" },
            },
          },
          ...outboxWriter.puts(outbox),
        ]);
      } catch (e) {
        const reasons = cancellationReasons(e);
        if (reasons && failedCondition(reasons, 1)) throw new ChatError("not_found", `chat ${member.chatId} does not exist`, { details: { chatId: member.chatId } });
        throw e;
      }
    },

    removeMember(chatId, userId, outbox) {
      return conditional([
        {
          Delete: {
            TableName: tables.members,
            Key: toItem({ chat_id: chatId, user_id: userId }),
            ConditionExpression: "attribute_exists(#user_id)",
            ExpressionAttributeNames: USER_ID,
          },
        },
        ...outboxWriter.puts(outbox),
      ]);
    },

    // The returned member is the one read before the update with the new role; the condition
    // guarantees the member still existed when the role was written.
    async updateMemberRole(chatId, userId, role, outbox) {
      const current = await getMember(chatId, userId);
      if (!current) return undefined;
      const updated = await conditional([
        {
          Update: {
            TableName: tables.members,
            Key: toItem({ chat_id: chatId, user_id: userId }),
            UpdateExpression: "SET #role = :role",
            ConditionExpression: "attribute_exists(#user_id)",
            ExpressionAttributeNames: { ...USER_ID, "#role": "role" },
            ExpressionAttributeValues: toItem({ ":role": roleName(role) }),
          },
        },
        ...outboxWriter.puts(outbox),
      ]);
      return updated ? create(MemberSchema, { ...current, role }) : undefined;
    },
  };
}
