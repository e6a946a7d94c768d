import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  QueryCommand,
  type KeysAndAttributes,
  type QueryCommandInput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { ChatError } from "@chat/domain";
import type { DynamoContext } from "./context";
import type { Item } from "./marshal";

// Paging and batching loops the API leaves to the caller: Query stops at 1 MB, and batch
// calls may hand back unprocessed keys under load.

const BATCH_GET_MAX_KEYS = 100;
const BATCH_WRITE_MAX_ITEMS = 25;
const UNPROCESSED_ATTEMPTS = 8;

// Up to `max` items (all of them when max is undefined), following LastEvaluatedKey across
// 1 MB pages. `more` tells whether items beyond the returned ones may exist.
export async function query(ctx: DynamoContext, input: QueryCommandInput, max?: number): Promise<{ items: Item[]; more: boolean }> {
  const items: Item[] = [];
  let start = input.ExclusiveStartKey;
  for (;;) {
    const remaining = max === undefined ? undefined : max - items.length;
    const out = await ctx.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start, Limit: remaining }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start) return { items, more: false };
    if (max !== undefined && items.length >= max) return { items, more: true };
  }
}

// Unprocessed keys/items are throttling in disguise: back off before sending them again.
async function backoff(attempt: number, what: string): Promise<void> {
  if (attempt >= UNPROCESSED_ATTEMPTS) throw new ChatError("unavailable", `DynamoDB kept ${what} unprocessed, retry later`);
  await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
}

export async function batchGet(ctx: DynamoContext, table: string, keys: Item[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) {
    let pending: Record<string, KeysAndAttributes> | undefined = {
      [table]: { Keys: keys.slice(i, i + BATCH_GET_MAX_KEYS), ConsistentRead: true },
    };
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt, "read keys");
      const out: BatchGetItemCommandOutput = await ctx.client.send(new BatchGetItemCommand({ RequestItems: pending }));
      found.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys;
    }
  }
  return found;
}

// Chunks of 25 go out in parallel: a publication round's deletes take one round trip, not one
// per chunk (the outbox deletes of ingest's request path, ADR 0029).
export async function batchWrite(ctx: DynamoContext, table: string, requests: WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX_ITEMS) chunks.push(requests.slice(i, i + BATCH_WRITE_MAX_ITEMS));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: Record<string, WriteRequest[]> | undefined = { [table]: chunk };
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt, "write requests");
        const out: BatchWriteItemCommandOutput = await ctx.client.send(new BatchWriteItemCommand({ RequestItems: pending }));
        pending = out.UnprocessedItems;
      }
    }),
  );
}
