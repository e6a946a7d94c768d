import { GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { SequenceAllocator } from "../port";
import type { DynamoContext } from "./context";
import { fromItem, toItem } from "./marshal";

// One counter item per chat. ADD is atomic on the server, so concurrent allocations (any
// number of ingest replicas) each get a distinct value, and the first ADD creates the item.
export function sequenceAllocator(ctx: DynamoContext): SequenceAllocator {
  const { tables } = ctx;
  return {
    async allocateSeq(chatId) {
      const out = await ctx.client.send(
        new UpdateItemCommand({
          TableName: tables.counters,
          Key: toItem({ chat_id: chatId }),
          UpdateExpression: "ADD #seq :one",
          ExpressionAttributeNames: { "#seq": "seq" },
          ExpressionAttributeValues: toItem({ ":one": 1n }),
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return fromItem<{ seq: bigint }>(out.Attributes ?? {}).seq;
    },

    async currentSeq(chatId) {
      const out = await ctx.client.send(new GetItemCommand({ TableName: tables.counters, Key: toItem({ chat_id: chatId }), ConsistentRead: true }));
      return out.Item ? fromItem<{ seq: bigint }>(out.Item).seq : 0n;
    },
  };
}
