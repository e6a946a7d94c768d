import { createHash } from "node:crypto";

// The outbox is split into a fixed number of shards by event key (the chat id), so a chat's
// entries always share a shard and one relay at a time drains each shard (the drain lease).
// Both adapters use this function, so a shard means the same thing everywhere. Changing the
// count moves keys between shards: drain the outbox empty first.
export const OUTBOX_SHARDS = 8;

export function outboxShardOf(key: string): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) % OUTBOX_SHARDS;
}

// Drain order within a shard, the same in every adapter: entries without a seq (chat and
// membership events) oldest first, then each key's seq-carrying entries (messages) in seq order,
// keys in lexical order. A chat's messages are thus listed in seq order even when they were
// written by replicas with skewed clocks, and a batch cut anywhere never puts a later seq of a
// chat before an earlier one.
export function compareDrainOrder(a: OutboxEntryOrder, b: OutboxEntryOrder): number {
  if ((a.seq === undefined) !== (b.seq === undefined)) return a.seq === undefined ? -1 : 1;
  if (a.seq === undefined || b.seq === undefined) return a.createdAtMs - b.createdAtMs || cmp(a.id, b.id);
  return cmp(a.key, b.key) || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0) || cmp(a.id, b.id);
}

interface OutboxEntryOrder {
  id: string;
  key: string;
  createdAtMs: number;
  seq?: bigint;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
