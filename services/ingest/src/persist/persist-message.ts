import { ChatError, validateSend, type SendLimits } from "@chat/domain";
import type { Message, PersistMessageRequest } from "@chat/proto";
import type { Logger } from "@chat/observability";
import { PublishPipeline } from "@chat/outbox";
import type { OutboxEntry, Store } from "@chat/store";
import { GroupCommitter } from "./group-committer";

export interface PersistResult {
  message: Message;
  duplicate: boolean;
}

export interface PersistOptions {
  // Epoch ms after which the caller no longer waits for the answer.
  deadlineAtMs?: number;
}

export interface PersistLimits {
  // Sends waiting or being committed, per chat and in total (ADR 0017).
  maxPerChat: number;
  maxTotal: number;
  // Group commits in flight at once (ADR 0029).
  maxCommitsInFlight: number;
}

// The durability use case (ADR-001/004, 0029): validation, then the group committer stores the
// send (membership, idempotency, seq and the outbox entry, in one transaction with other
// sends), then the publisher hands its event to the event log after the answer.
export class MessagePersister {
  private readonly committer: GroupCommitter;
  // Publication runs after the ack, one round at a time in commit order: a chat's events reach
  // the log in seq order, and a slow or down event log never delays the sender (the write is
  // durable, and the outbox drain retries what fails).
  private readonly publisher: PublishPipeline;

  constructor(
    store: Store,
    private readonly limits: SendLimits & { idempotencyTtlMs: number },
    publish: (entries: OutboxEntry[]) => Promise<void>,
    laneLimits: PersistLimits = { maxPerChat: Number.POSITIVE_INFINITY, maxTotal: Number.POSITIVE_INFINITY, maxCommitsInFlight: 2 },
    logger?: Logger,
  ) {
    this.publisher = new PublishPipeline(publish);
    this.committer = new GroupCommitter(
      store,
      {
        maxPerChat: laneLimits.maxPerChat,
        maxTotal: laneLimits.maxTotal,
        maxInFlight: laneLimits.maxCommitsInFlight,
        idempotencyTtlMs: limits.idempotencyTtlMs,
        eager: store.coalescesWrites === true,
      },
      (entries) => this.publisher.enqueue(entries),
      logger,
    );
  }

  // Sends waiting or being committed (for metrics).
  load(): number {
    return this.committer.load();
  }

  persist(req: PersistMessageRequest, traceHeaders: Record<string, string>, opts: PersistOptions = {}): Promise<PersistResult> {
    const input = validateSend({ chatId: req.chatId, clientMessageId: req.clientMessageId, body: req.body, contentType: req.contentType }, this.limits);
    if (!req.senderId) throw new ChatError("invalid_argument", "sender_id is required");
    return this.committer.submit({ ...input, senderId: req.senderId, traceHeaders }, opts.deadlineAtMs);
  }

  // Waits for queued sends and their publications (graceful shutdown).
  async drained(): Promise<void> {
    await this.committer.idle();
    await this.publisher.idle();
  }
}
