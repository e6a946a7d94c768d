import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError, TOPICS, computeMessageId, validateSend, type SendLimits } from "@chat/domain";
import { MessagePersistedSchema, MessageSchema, type Message, type PersistMessageRequest } from "@chat/proto";
import type { OutboxEntry, Store } from "@chat/store";
import { randomUUID } from "node:crypto";
import { ChatLanes, type LaneLimits, type LaneOptions } from "./chat-lanes";

export interface PersistResult {
  message: Message;
  duplicate: boolean;
  // The outbox entry to publish now (absent for duplicates).
  outbox?: OutboxEntry;
}

// The durability use case (ADR-001/004): membership, idempotency, seq allocation, atomic write
// of message + idempotency record + outbox entry.
export class MessagePersister {
  private readonly lanes: ChatLanes;
  // Publication runs after the ack, on its own lane per chat: a chat's events still reach the
  // log in seq order, but a slow or down event log never delays the sender (the write is
  // durable, and the outbox drain retries what fails).
  private readonly publishLanes = new ChatLanes();

  constructor(
    private readonly store: Store,
    private readonly limits: SendLimits & { idempotencyTtlMs: number },
    private readonly publish: (entry: OutboxEntry) => Promise<void>,
    laneLimits?: LaneLimits,
  ) {
    this.lanes = new ChatLanes(laneLimits);
  }

  // Sends waiting or running (for metrics).
  load(): number {
    return this.lanes.load();
  }

  persist(req: PersistMessageRequest, traceHeaders: Record<string, string>, opts: LaneOptions = {}): Promise<PersistResult> {
    const input = validateSend({ chatId: req.chatId, clientMessageId: req.clientMessageId, body: req.body, contentType: req.contentType }, this.limits);
    if (!req.senderId) throw new ChatError("invalid_argument", "sender_id is required");
    return this.lanes.run(input.chatId, async () => {
      const result = await this.persistInLane(req.senderId, input, traceHeaders);
      const entry = result.outbox;
      if (entry) void this.publishLanes.run(input.chatId, () => this.publish(entry));
      return result;
    }, opts);
  }

  // Waits for queued publications (graceful shutdown).
  async drained(): Promise<void> {
    await this.lanes.idle();
    await this.publishLanes.idle();
  }

  private async persistInLane(senderId: string, input: { chatId: string; clientMessageId: string; body: string; contentType: string }, traceHeaders: Record<string, string>): Promise<PersistResult> {
    const member = await this.store.getMember(input.chatId, senderId);
    if (!member) throw new ChatError("not_found", `chat ${input.chatId} not found`);

    const key = { chatId: input.chatId, senderId, clientMessageId: input.clientMessageId };
    const seen = await this.store.getIdempotencyRecord(key);
    if (seen) return { message: await this.original(input.chatId, seen.seq), duplicate: true };

    const seq = await this.store.allocateSeq(input.chatId);
    const createdAtMs = Date.now();
    const fields = { chatId: input.chatId, seq, senderId, clientMessageId: input.clientMessageId, body: input.body, contentType: input.contentType, createdAtMs };
    const message = create(MessageSchema, { ...fields, messageId: computeMessageId(fields), createdAt: timestampFromMs(createdAtMs) });
    const outbox: OutboxEntry = {
      id: randomUUID(),
      topic: TOPICS.messagesPersisted.name,
      key: input.chatId,
      payload: toBinary(MessagePersistedSchema, create(MessagePersistedSchema, { message })),
      createdAtMs,
      headers: traceHeaders,
      seq,
    };
    const res = await this.store.commitMessage(message, this.limits.idempotencyTtlMs, [outbox]);
    if (res.status === "duplicate") {
      // Lost a race with a concurrent retry (another replica): seq stays a documented hole.
      return { message: await this.original(input.chatId, res.existing.seq), duplicate: true };
    }
    return { message, duplicate: false, outbox };
  }

  private async original(chatId: string, seq: bigint): Promise<Message> {
    const m = await this.store.getMessage(chatId, seq);
    if (!m) throw new ChatError("unavailable", "the original message is not readable yet; retry");
    return m;
  }
}
