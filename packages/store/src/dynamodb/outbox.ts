import { createHash } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { OutboxEntry, OutboxRepository } from "../port";
import type { DynamoContext } from "./context";
import { fromItem, outboxFromRow, outboxToRow, toItem, type Item, type OutboxRow } from "./marshal";
import { batchWrite, query } from "./operations";
import { OUTBOX_SHARDS } from "./tables";

// Outbox: events written in the same transaction as the state change they describe, drained
// by the relay (listOutbox -> publish -> deleteOutbox). Partition key: one of OUTBOX_SHARDS
// fixed shards chosen by the event key (the chat id), so a chat's events share a shard; sort
// key: zero-padded created_at ms + "#" + id, so each shard is a Query in age order and the
// oldest entries overall are a merge of the shards' heads.

interface Location {
  shard: string;
  sk: string;
}

function locationOf(entry: OutboxEntry): Location {
  const shard = createHash("sha256").update(entry.key).digest().readUInt32BE(0) % OUTBOX_SHARDS;
  return { shard: String(shard), sk: `${String(entry.createdAtMs).padStart(15, "0")}#${entry.id}` };
}

const SHARDS = Array.from({ length: OUTBOX_SHARDS }, (_, i) => String(i));

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
        .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
        .slice(0, limit);
      return rows.map(outboxFromRow);
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
