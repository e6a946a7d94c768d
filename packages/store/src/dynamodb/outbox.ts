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

// deleteOutbox gets ids only, while an item's key also holds its shard and creation time. So
// the locations of entries this instance wrote or listed are remembered (the request path
// deletes what it just wrote, the relay what it just listed), the oldest forgotten beyond the
// bound; an id not remembered is looked up in the table.
const LOCATION_CACHE_MAX = 10_000;

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
  const locations = new Map<string, Location>();

  function remember(id: string, loc: Location): void {
    locations.delete(id);
    locations.set(id, loc);
    if (locations.size > LOCATION_CACHE_MAX) locations.delete(locations.keys().next().value as string);
  }

  const writer: OutboxWriter = {
    puts(entries) {
      return entries.map((e) => {
        const loc = locationOf(e);
        // Remembered before the transaction runs; if it fails, deleting the id is a no-op.
        remember(e.id, loc);
        return { Put: { TableName: ctx.tables.outbox, Item: toItem(outboxToRow(e, loc.shard, loc.sk)) } };
      });
    },
  };

  function queryShard(shard: string, limit?: number, projection?: string) {
    return query(
      ctx,
      {
        TableName: ctx.tables.outbox,
        KeyConditionExpression: "#shard = :shard",
        ExpressionAttributeNames: { "#shard": "shard", ...(projection ? { "#sk": "sk", "#id": "id" } : {}) },
        ExpressionAttributeValues: toItem({ ":shard": shard }),
        ProjectionExpression: projection,
        ConsistentRead: true,
      },
      limit,
    );
  }

  // Ids not remembered (written and listed by another replica): read the shards' keys, which
  // is cheap because a drained outbox is short.
  async function locate(ids: string[]): Promise<Map<string, Location>> {
    const found = new Map<string, Location>();
    const unknown = new Set<string>();
    for (const id of ids) {
      const loc = locations.get(id);
      if (loc) found.set(id, loc);
      else unknown.add(id);
    }
    if (unknown.size === 0) return found;
    const pages = await Promise.all(SHARDS.map((s) => queryShard(s, undefined, "#shard, #sk, #id")));
    for (const { items } of pages) {
      for (const row of items.map((i) => fromItem<Pick<OutboxRow, "shard" | "sk" | "id">>(i))) {
        if (unknown.has(row.id)) found.set(row.id, { shard: row.shard, sk: row.sk });
      }
    }
    return found;
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
      for (const row of rows) remember(row.id, { shard: row.shard, sk: row.sk });
      return rows.map(outboxFromRow);
    },

    async deleteOutbox(ids) {
      const found = await locate([...new Set(ids)]);
      await batchWrite(
        ctx,
        ctx.tables.outbox,
        [...found.values()].map((loc) => ({ DeleteRequest: { Key: toItem(loc) } })),
      );
      for (const id of found.keys()) locations.delete(id);
    },
  };

  return { writer, repository };
}
