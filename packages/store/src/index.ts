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
  Page,
} from "./port";
export { OUTBOX_SHARDS, outboxShardOf, compareDrainOrder } from "./outbox-shard";
