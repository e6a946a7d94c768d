import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ChatError } from "@chat/domain";
import type { ChatRepository } from "../port";
import type { DynamoContext } from "./context";
import { cancellationReasons, failedCondition } from "./errors";
import { chatFromRow, chatToRow, fromItem, memberToRow, toItem, type ChatRow } from "./marshal";
import { batchGet } from "./operations";
import type { OutboxWriter } from "./outbox";

// DynamoDB caps a transaction at 100 items: the chat, its first members and its events must
// fit, because creating a chat is one atomic step. Larger groups add members afterwards.
const TRANSACTION_MAX_ITEMS = 100;

export function chatRepository(ctx: DynamoContext, outboxWriter: OutboxWriter): ChatRepository {
  const { tables } = ctx;

  async function lastSeqs(chatIds: string[]): Promise<Map<string, bigint>> {
    const items = await batchGet(ctx, tables.counters, chatIds.map((id) => toItem({ chat_id: id })));
    return new Map(items.map((i) => fromItem<{ chat_id: string; seq: bigint }>(i)).map((r) => [r.chat_id, r.seq]));
  }

  return {
    async createChat(chat, members, outbox) {
      // A transaction may not touch one item twice: a user listed twice is one member.
      const unique = [...new Map(members.map((m) => [m.userId, m])).values()];
      const size = 1 + unique.length + outbox.length;
      if (size > TRANSACTION_MAX_ITEMS) {
        throw new ChatError("invalid_argument", `a chat is created with at most ${TRANSACTION_MAX_ITEMS - 1 - outbox.length} members; add the rest afterwards`, {
          details: { members: unique.length },
        });
      }
      try {
        await ctx.transact([
          {
            Put: {
              TableName: tables.chats,
              Item: toItem(chatToRow(chat)),
              ConditionExpression: "attribute_not_exists(#chat_id)",
              ExpressionAttributeNames: { "#chat_id": "chat_id" },
            },
          },
          ...unique.map((m) => ({ Put: { TableName: tables.members, Item: toItem(memberToRow(m)) } })),
          ...outboxWriter.puts(outbox),
        ]);
      } catch (e) {
        const reasons = cancellationReasons(e);
        if (reasons && failedCondition(reasons, 0)) {
          throw new ChatError("already_exists", `chat ${chat.chatId} already exists`, { details: { chatId: chat.chatId } });
        }
        throw e;
      }
    },

    async getChat(chatId) {
      const key = toItem({ chat_id: chatId });
      const [chat, counter] = await Promise.all([
        ctx.client.send(new GetItemCommand({ TableName: tables.chats, Key: key, ConsistentRead: true })),
        ctx.client.send(new GetItemCommand({ TableName: tables.counters, Key: key, ConsistentRead: true })),
      ]);
      if (!chat.Item) return undefined;
      return chatFromRow(fromItem<ChatRow>(chat.Item), counter.Item ? fromItem<{ seq: bigint }>(counter.Item).seq : 0n);
    },

    // In the order asked for, unknown ids left out. BatchGetItem rejects repeated keys.
    async getChats(chatIds) {
      const ids = [...new Set(chatIds)];
      const [items, seqs] = await Promise.all([batchGet(ctx, tables.chats, ids.map((id) => toItem({ chat_id: id }))), lastSeqs(ids)]);
      const rows = new Map(items.map((i) => fromItem<ChatRow>(i)).map((r) => [r.chat_id, r]));
      return ids.flatMap((id) => {
        const row = rows.get(id);
        return row ? [chatFromRow(row, seqs.get(id) ?? 0n)] : [];
      });
    },
  };
}
