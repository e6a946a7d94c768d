import { GetItemCommand, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { ChatError } from "@chat/domain";
import type { IdempotencyKey, IdempotencyRecord, MessageRepository } from "../port";
import type { DynamoContext } from "./context";
import { cancellationReasons, failedCondition } from "./errors";
import {
  fromItem,
  idempotencyFromRow,
  idempotencyPk,
  idempotencyToRow,
  messageFromRow,
  messageToRow,
  toItem,
  type IdempotencyRow,
  type Item,
  type MessageRow,
} from "./marshal";
import { query } from "./operations";
import type { OutboxWriter } from "./outbox";

// Index of each item in the commit transaction, to read its cancellation reason.
const MESSAGE_ITEM = 0;
const IDEMPOTENCY_ITEM = 1;

export function messageRepository(ctx: DynamoContext, outboxWriter: OutboxWriter): MessageRepository {
  const { tables } = ctx;

  // DynamoDB's TTL sweeper deletes expired records late (hours to days), so an expired record
  // that is still there counts as absent.
  async function getIdempotencyRecord(key: IdempotencyKey): Promise<IdempotencyRecord | undefined> {
    const out = await ctx.client.send(new GetItemCommand({ TableName: tables.idempotency, Key: toItem({ pk: idempotencyPk(key) }), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const row = fromItem<IdempotencyRow>(out.Item);
    return row.expires_at_ms > BigInt(Date.now()) ? idempotencyFromRow(row) : undefined;
  }

  return {
    getIdempotencyRecord,

    async commitMessage(message, idempotencyTtlMs, outbox) {
      const key: IdempotencyKey = { chatId: message.chatId, senderId: message.senderId, clientMessageId: message.clientMessageId };
      const now = Date.now();
      const record = idempotencyToRow(key, { seq: message.seq, messageId: message.messageId }, now + idempotencyTtlMs);
      try {
        await ctx.transact([
          {
            Put: {
              TableName: tables.messages,
              Item: toItem(messageToRow(message)),
              ConditionExpression: "attribute_not_exists(#seq)",
              ExpressionAttributeNames: { "#seq": "seq" },
            },
          },
          {
            Put: {
              TableName: tables.idempotency,
              Item: toItem(record),
              // An expired record the sweeper has not removed yet may be overwritten.
              ConditionExpression: "attribute_not_exists(#pk) OR #expires_at_ms <= :now",
              ExpressionAttributeNames: { "#pk": "pk", "#expires_at_ms": "expires_at_ms" },
              ExpressionAttributeValues: toItem({ ":now": now }),
              // The winner's record comes back with the cancellation: no second read needed.
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          ...outboxWriter.puts(outbox),
        ]);
        return { status: "committed" };
      } catch (e) {
        const reasons = cancellationReasons(e);
        if (!reasons) throw e;
        const duplicate = failedCondition(reasons, IDEMPOTENCY_ITEM);
        if (duplicate) {
          const existing = duplicate.Item ? idempotencyFromRow(fromItem<IdempotencyRow>(duplicate.Item)) : await getIdempotencyRecord(key);
          // Only reachable if the winner's record expired within this call: let the caller retry.
          if (!existing) throw new ChatError("unavailable", "idempotency record changed during the commit, retry", { cause: e });
          return { status: "duplicate", existing };
        }
        if (failedCondition(reasons, MESSAGE_ITEM)) {
          // Seqs come from allocateSeq and are never handed out twice, so this is a caller bug.
          throw new ChatError("conflict", `seq ${message.seq} of chat ${message.chatId} is already taken`, {
            details: { chatId: message.chatId, seq: message.seq.toString() },
          });
        }
        throw e;
      }
    },

    async getMessage(chatId, seq) {
      const out = await ctx.client.send(new GetItemCommand({ TableName: tables.messages, Key: toItem({ chat_id: chatId, seq }), ConsistentRead: true }));
      return out.Item ? messageFromRow(fromItem<MessageRow>(out.Item)) : undefined;
    },

    // Strongly consistent: a sync must include every message already acknowledged to its sender.
    async listMessages(chatId, { afterSeq, beforeSeq, limit }) {
      if (!Number.isInteger(limit) || limit < 1) throw new ChatError("invalid_argument", "limit must be a positive integer", { details: { field: "limit" } });
      const names = { "#chat_id": "chat_id", "#seq": "seq" };
      const base: QueryCommandInput = { TableName: tables.messages, ConsistentRead: true, ExpressionAttributeNames: names };
      let input: QueryCommandInput;
      if (beforeSeq !== undefined && afterSeq !== undefined) {
        // Both bounds: the oldest `limit` inside the open interval.
        if (afterSeq + 1n > beforeSeq - 1n) return [];
        input = {
          ...base,
          KeyConditionExpression: "#chat_id = :chat_id AND #seq BETWEEN :low AND :high",
          ExpressionAttributeValues: toItem({ ":chat_id": chatId, ":low": afterSeq + 1n, ":high": beforeSeq - 1n }),
        };
      } else if (beforeSeq !== undefined) {
        // The newest `limit` below beforeSeq: read backwards, return ascending.
        input = {
          ...base,
          KeyConditionExpression: "#chat_id = :chat_id AND #seq < :before",
          ExpressionAttributeValues: toItem({ ":chat_id": chatId, ":before": beforeSeq }),
          ScanIndexForward: false,
        };
      } else {
        input = {
          ...base,
          KeyConditionExpression: "#chat_id = :chat_id AND #seq > :after",
          ExpressionAttributeValues: toItem({ ":chat_id": chatId, ":after": afterSeq ?? 0n }),
        };
      }
      const { items } = await query(ctx, input, limit);
      const messages = items.map((i: Item) => messageFromRow(fromItem<MessageRow>(i)));
      return input.ScanIndexForward === false ? messages.reverse() : messages;
    },
  };
}
