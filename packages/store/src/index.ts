export type {
  Store,
  ChatRepository,
  MemberRepository,
  SequenceAllocator,
  MessageRepository,
  ReceiptRepository,
  OutboxRepository,
  OutboxEntry,
  IdempotencyKey,
  IdempotencyRecord,
  CommitResult,
  AppendBatch,
  AppendConflict,
  AppendResult,
  AppendedMessage,
  ChatAppend,
  Page,
} from "./port";
export { OUTBOX_SHARDS, outboxShardOf, compareDrainOrder } from "./outbox-shard";
export { MAX_APPEND_ITEMS, appendItemCount, idempotencyKeyOf, validateAppendBatch } from "./append-batch";
