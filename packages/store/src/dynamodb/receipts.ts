import { GetItemCommand, UpdateItemCommand, type ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { ReceiptRepository } from "../port";
import type { DynamoContext } from "./context";
import { isConditionalCheckFailed } from "./errors";
import { emptyReceipt, fromItem, receiptFromRow, toItem, type Item, type ReceiptRow } from "./marshal";
import { query } from "./operations";

// Receipt positions only move forward, and reading up to seq implies delivery up to seq (the
// rule of advancePosition in @chat/domain). DynamoDB has no max() in update expressions, so the
// rule is spelled as conditional writes that succeed only when they move a position forward:
//
//   delivered:  delivered := seq                        if delivered < seq
//   read:       delivered := seq, read := seq           if delivered <= seq and read < seq
//               otherwise read := seq                   if delivered > seq and read < seq
//
// A failed condition is the "no change" answer; the item that failed it comes back with the
// error (ReturnValuesOnConditionCheckFailure), so no extra read is needed.

type Attempt = "delivered" | "both" | "read_only";

const UPDATES: Record<Attempt, { set: string; condition: string }> = {
  delivered: {
    set: "SET #delivered = :seq, #read = if_not_exists(#read, :zero), #updated = :now",
    condition: "attribute_not_exists(#delivered) OR #delivered < :seq",
  },
  both: {
    set: "SET #delivered = :seq, #read = :seq, #updated = :now",
    condition: "(attribute_not_exists(#delivered) OR #delivered <= :seq) AND (attribute_not_exists(#read) OR #read < :seq)",
  },
  read_only: {
    set: "SET #read = :seq, #updated = :now",
    condition: "#delivered > :seq AND #read < :seq",
  },
};

export function receiptRepository(ctx: DynamoContext): ReceiptRepository {
  const { tables } = ctx;

  // The row after a successful write, or the current row (if any) when the condition failed.
  async function attempt(chatId: string, userId: string, which: Attempt, seq: bigint): Promise<{ changed: boolean; row?: ReceiptRow }> {
    const { set, condition } = UPDATES[which];
    try {
      const out = await ctx.client.send(
        new UpdateItemCommand({
          TableName: tables.receipts,
          Key: toItem({ chat_id: chatId, user_id: userId }),
          UpdateExpression: set,
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#delivered": "delivered_seq", "#read": "read_seq", "#updated": "updated_at" },
          ExpressionAttributeValues: toItem({ ":seq": seq, ":now": Date.now(), ...(which === "delivered" ? { ":zero": 0n } : {}) }),
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { changed: true, row: fromItem<ReceiptRow>(out.Attributes as Item) };
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
      const item = (e as ConditionalCheckFailedException).Item;
      return { changed: false, row: item ? fromItem<ReceiptRow>(item) : undefined };
    }
  }

  async function current(chatId: string, userId: string): Promise<ReceiptRow | undefined> {
    const out = await ctx.client.send(
      new GetItemCommand({ TableName: tables.receipts, Key: toItem({ chat_id: chatId, user_id: userId }), ConsistentRead: true }),
    );
    return out.Item ? fromItem<ReceiptRow>(out.Item) : undefined;
  }

  return {
    async advanceReceipt(chatId, userId, kind, seq) {
      let result: { changed: boolean; row?: ReceiptRow };
      if (seq <= 0n) {
        // Nothing is below the start; do not create an all-zero item for it.
        result = { changed: false, row: await current(chatId, userId) };
      } else {
        result = await attempt(chatId, userId, kind === "read" ? "both" : "delivered", seq);
        const row = result.row;
        if (!result.changed && kind === "read" && row && row.delivered_seq > seq && row.read_seq < seq) {
          result = await attempt(chatId, userId, "read_only", seq);
        }
      }
      return { position: result.row ? receiptFromRow(result.row) : emptyReceipt(chatId, userId), changed: result.changed };
    },

    async listReceipts(chatId) {
      const { items } = await query(ctx, {
        TableName: tables.receipts,
        KeyConditionExpression: "#chat_id = :chat_id",
        ExpressionAttributeNames: { "#chat_id": "chat_id" },
        ExpressionAttributeValues: toItem({ ":chat_id": chatId }),
        ConsistentRead: true,
      });
      return items.map((i) => receiptFromRow(fromItem<ReceiptRow>(i)));
    },
  };
}
