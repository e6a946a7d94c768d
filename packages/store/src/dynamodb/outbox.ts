import { DeleteItemCommand, QueryCommand, UpdateItemCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { OUTBOX_SHARDS, outboxShardOf } from "../outbox-shard";
import type { OutboxEntry, OutboxRepository } from "../port";
import type { DynamoContext } from "./context";
import { isConditionalCheckFailed } from "./errors";
import { fromItem, outboxFromRow, outboxToRow, toItem, type Item, type OutboxRow } from "./marshal";
import { batchWrite, query } from "./operations";

// Outbox: events written in the same transaction as the state change they describe, drained
// by the relay (listOutbox -> publish -> deleteOutbox). Partition key: one of OUTBOX_SHARDS
// fixed shards chosen by the event key (the chat id), so a chat's events share a shard; sort
// key: the drain order (compareDrainOrder in ../outbox-shard.ts): zero-padded created_at ms +
// "#" + id for entries without a seq, "s#" + key + "#" + zero-padded seq + "#" + id for
// messages, so a shard's Query lists a chat's messages in seq order.
//
// Drain leases live in the same table, one item per shard under partition key "lease#<shard>"
// (never one of the entry shards "0".."7"), sort key "lease": owner + expires_at_ms, taken and
// renewed by one conditional UpdateItem.

interface Location {
  shard: string;
  sk: string;
}

function locationOf(entry: OutboxEntry): Location {
  const shard = String(outboxShardOf(entry.key));
  // Sort keys spell compareDrainOrder: digits sort before "s", so age-ordered entries without a
  // seq come first, then each key's entries by zero-padded seq.
  if (entry.seq === undefined) return { shard, sk: `${String(entry.createdAtMs).padStart(15, "0")}#${entry.id}` };
  return { shard, sk: `s#${entry.key}#${entry.seq.toString().padStart(20, "0")}#${entry.id}` };
}

const SHARDS = Array.from({ length: OUTBOX_SHARDS }, (_, i) => String(i));

function leaseKey(shard: number): Item {
  return toItem({ shard: `lease#${shard}`, sk: "lease" });
}

function checkShard(shard: number): void {
  if (!Number.isInteger(shard) || shard < 0 || shard >= OUTBOX_SHARDS) throw new RangeError(`outbox shard ${shard} is not in 0..${OUTBOX_SHARDS - 1}`);
}

// What the other repositories use: the Put items to add to their own transactions.
export interface OutboxWriter {
  puts(entries: OutboxEntry[]): TransactWriteItem[];
}

export function createOutbox(ctx: DynamoContext): { writer: OutboxWriter; repository: OutboxRepository } {
  const writer: OutboxWriter = {
    puts(entries) {
      return entries.map((e) => {
        const loc = locationOf(e);
        return { Put: { TableName: ctx.tables.outbox, Item: toItem(outboxToRow(e, loc.shard, loc.sk)) } };
      });
    },
  };

  function queryShard(shard: string, limit: number) {
    return query(
      ctx,
      {
        TableName: ctx.tables.outbox,
        KeyConditionExpression: "#shard = :shard",
        ExpressionAttributeNames: { "#shard": "shard" },
        ExpressionAttributeValues: toItem({ ":shard": shard }),
        ConsistentRead: true,
      },
      limit,
    );
  }

  const repository: OutboxRepository = {
    async listOutbox(limit) {
      if (limit <= 0) return [];
      const pages = await Promise.all(SHARDS.map((s) => queryShard(s, limit)));
      const rows = pages
        .flatMap((p) => p.items)
        .map((i: Item) => fromItem<OutboxRow>(i))
        .sort((a, b) => Number(a.created_at - b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit);
      return rows.map(outboxFromRow);
    },

    // Select COUNT per shard: the read capacity of the items scanned, without transferring them;
    // each shard stops once the total reached the cap.
    async countOutbox(cap) {
      if (cap <= 0) return 0;
      let total = 0;
      await Promise.all(
        SHARDS.map(async (shard) => {
          let start: Item | undefined;
          do {
            const out = await ctx.client.send(
              new QueryCommand({
                TableName: ctx.tables.outbox,
                KeyConditionExpression: "#shard = :shard",
                ExpressionAttributeNames: { "#shard": "shard" },
                ExpressionAttributeValues: toItem({ ":shard": shard }),
                Select: "COUNT",
                ExclusiveStartKey: start,
              }),
            );
            total += out.Count ?? 0;
            start = out.LastEvaluatedKey;
          } while (start && total < cap);
        }),
      );
      return Math.min(total, cap);
    },

    async listOutboxShard(shard, limit) {
      checkShard(shard);
      if (limit <= 0) return [];
      const page = await queryShard(String(shard), limit);
      return page.items.map((i: Item) => outboxFromRow(fromItem<OutboxRow>(i)));
    },

    async acquireOutboxLease(shard, owner, ttlMs) {
      checkShard(shard);
      const now = Date.now();
      try {
        await ctx.client.send(
          new UpdateItemCommand({
            TableName: ctx.tables.outbox,
            Key: leaseKey(shard),
            UpdateExpression: "SET #owner = :owner, expires_at_ms = :expires",
            ConditionExpression: "attribute_not_exists(#owner) OR #owner = :owner OR expires_at_ms < :now",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: toItem({ ":owner": owner, ":expires": now + ttlMs, ":now": now }),
          }),
        );
        return true;
      } catch (e) {
        if (isConditionalCheckFailed(e)) return false;
        throw e;
      }
    },

    async releaseOutboxLease(shard, owner) {
      checkShard(shard);
      try {
        await ctx.client.send(
          new DeleteItemCommand({
            TableName: ctx.tables.outbox,
            Key: leaseKey(shard),
            ConditionExpression: "#owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: toItem({ ":owner": owner }),
          }),
        );
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw e;
      }
    },

    async deleteOutbox(entries) {
      const keys = new Map(entries.map((e) => [e.id, locationOf(e)]));
      await batchWrite(
        ctx,
        ctx.tables.outbox,
        [...keys.values()].map((loc) => ({ DeleteRequest: { Key: toItem(loc) } })),
      );
    },
  };

  return { writer, repository };
}
