import { GetItemCommand, type QueryCommandInput, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { ChatError } from "@chat/domain";
import { idempotencyKeyOf, validateAppendBatch } from "../append-batch";
import type { AppendConflict, IdempotencyKey, IdempotencyRecord, MessageRepository } from "../port";
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

// What each item of an append transaction stands for, to read its cancellation reason.
type AppendItemRole =
  | { role: "counter"; chatId: string; expectedSeq: bigint }
  | { role: "message"; chatId: string; seq: bigint }
  | { role: "idempotency"; chatId: string; seq: bigint; key: IdempotencyKey }
  | { role: "member"; chatId: string; senderId: string }
  | { role: "outbox" };

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

  // One TransactWriteItems for the whole batch (ADR 0029): per chat a counter update
  // conditioned on the value the caller saw, per message its Put (seq free) and its idempotency
  // record (none, or expired), per (chat, sender) a membership ConditionCheck, and the outbox
  // entries. Failed conditions come back as CancellationReasons in item order; counters and
  // idempotency records return their current item (ALL_OLD), so no read follows.
  async function appendMessages(batch: Parameters<MessageRepository["appendMessages"]>[0]) {
    validateAppendBatch(batch);
    if (batch.chats.length === 0) return { status: "committed" as const };
    const now = Date.now();
    const items: TransactWriteItem[] = [];
    const roles: AppendItemRole[] = [];
    const add = (item: TransactWriteItem, role: AppendItemRole) => {
      items.push(item);
      roles.push(role);
    };
    for (const c of batch.chats) {
      const lastSeq = c.messages[c.messages.length - 1].message.seq;
      add(
        {
          Update: {
            TableName: tables.counters,
            Key: toItem({ chat_id: c.chatId }),
            UpdateExpression: "SET #seq = :last",
            // The first message of a chat finds no counter item.
            ConditionExpression: c.expectedSeq === 0n ? "attribute_not_exists(#seq) OR #seq = :expected" : "#seq = :expected",
            ExpressionAttributeNames: { "#seq": "seq" },
            ExpressionAttributeValues: toItem({ ":last": lastSeq, ":expected": c.expectedSeq }),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        { role: "counter", chatId: c.chatId, expectedSeq: c.expectedSeq },
      );
      const senders = new Set<string>();
      for (const { message, outbox } of c.messages) {
        const key = idempotencyKeyOf(message);
        add(
          {
            Put: {
              TableName: tables.messages,
              Item: toItem(messageToRow(message)),
              ConditionExpression: "attribute_not_exists(#seq)",
              ExpressionAttributeNames: { "#seq": "seq" },
            },
          },
          { role: "message", chatId: c.chatId, seq: message.seq },
        );
        add(
          {
            Put: {
              TableName: tables.idempotency,
              Item: toItem(idempotencyToRow(key, { seq: message.seq, messageId: message.messageId }, now + batch.idempotencyTtlMs)),
              ConditionExpression: "attribute_not_exists(#pk) OR #expires_at_ms <= :now",
              ExpressionAttributeNames: { "#pk": "pk", "#expires_at_ms": "expires_at_ms" },
              ExpressionAttributeValues: toItem({ ":now": now }),
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          { role: "idempotency", chatId: c.chatId, seq: message.seq, key },
        );
        for (const put of outboxWriter.puts(outbox)) add(put, { role: "outbox" });
        if (senders.has(message.senderId)) continue;
        senders.add(message.senderId);
        add(
          {
            ConditionCheck: {
              TableName: tables.members,
              Key: toItem({ chat_id: c.chatId, user_id: message.senderId }),
              ConditionExpression: "attribute_exists(#user_id)",
              ExpressionAttributeNames: { "#user_id": "user_id" },
            },
          },
          { role: "member", chatId: c.chatId, senderId: message.senderId },
        );
      }
    }
    try {
      await ctx.transact(items);
      return { status: "committed" as const };
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (!reasons) throw e;
      const conflicts: AppendConflict[] = [];
      for (let i = 0; i < roles.length; i++) {
        const failed = failedCondition(reasons, i);
        if (!failed) continue;
        const r = roles[i];
        switch (r.role) {
          case "counter": {
            const currentSeq = failed.Item ? fromItem<{ seq?: bigint }>(failed.Item).seq ?? 0n : undefined;
            // Without the item (not returned) the caller re-reads the counter.
            if (currentSeq === undefined) throw new ChatError("unavailable", `the counter of chat ${r.chatId} moved; retry`, { cause: e });
            conflicts.push({ kind: "counter_moved", chatId: r.chatId, currentSeq });
            break;
          }
          case "idempotency": {
            const existing = failed.Item ? idempotencyFromRow(fromItem<IdempotencyRow>(failed.Item)) : await getIdempotencyRecord(r.key);
            // Only reachable if the winner's record expired within this call: the next try passes.
            if (existing) conflicts.push({ kind: "duplicate", chatId: r.chatId, seq: r.seq, existing });
            break;
          }
          case "member":
            conflicts.push({ kind: "not_member", chatId: r.chatId, senderId: r.senderId });
            break;
          case "message":
            // The counter is moved in the same step, so a taken seq means a message written past
            // the counter (a caller bug), unless the counter condition failed too.
            if (!roles.some((o, j) => o.role === "counter" && o.chatId === r.chatId && failedCondition(reasons, j))) {
              throw new ChatError("conflict", `seq ${r.seq} of chat ${r.chatId} is already taken`, { details: { chatId: r.chatId, seq: r.seq.toString() } });
            }
            break;
          case "outbox":
            break;
        }
      }
      if (conflicts.length > 0) return { status: "rejected" as const, conflicts };
      // A condition failed whose cause is gone (an idempotency record that expired meanwhile).
      if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) throw new ChatError("unavailable", "an append condition failed and cleared; retry", { cause: e });
      throw e;
    }
  }

  return {
    getIdempotencyRecord,
    appendMessages,

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
