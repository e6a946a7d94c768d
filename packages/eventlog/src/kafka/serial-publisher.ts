import type { Message, TopicMessages } from "kafkajs";

// All publications of one process go through here, one produce request at a time (issue 10
// item 13c). Concurrent publish() calls (every chat's publish lane, the outbox drain) are
// coalesced into the next request instead of each starting its own send: while the broker is
// down, N concurrent sends meant N failures, N producer replacements and N disconnects of the
// same producer, each adding a listener to its still-connecting socket (kafkajs ends a socket
// that is connecting by waiting for 'connect'), hence MaxListenersExceededWarning. Now there
// is one send in flight and so at most one failure, and one replacement, at a time.
//
// A request carries at most maxBatchBytes of record values (the broker refuses a partition
// batch above message.max.bytes, 1 MiB by default, and would refuse every batch it was part
// of); a bigger publish() call is split into several requests, sent in order.

export type SendBatch = (topicMessages: TopicMessages[]) => Promise<void>;

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;

export class SerialPublisher {
  private readonly queue: Pending[] = [];
  private running = false;
  // For tests and metrics: produce requests sent so far.
  requests = 0;

  constructor(
    private readonly send: SendBatch,
    private readonly maxBatchBytes = DEFAULT_MAX_BATCH_BYTES,
  ) {}

  publish(topic: string, messages: Message[]): Promise<void> {
    const done = split(messages, this.maxBatchBytes).map(
      (chunk) => new Promise<void>((resolve, reject) => this.queue.push({ topic, messages: chunk.messages, bytes: chunk.bytes, resolve, reject })),
    );
    this.kick();
    return Promise.all(done).then(() => undefined);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.take();
      const byTopic = new Map<string, Message[]>();
      for (const p of taken) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), ...p.messages]);
      try {
        this.requests++;
        await this.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
        for (const p of taken) p.resolve();
      } catch (err) {
        // Everything queued behind the failed request fails too: sending it would put later
        // records of a key in the log before the failed earlier ones, which their callers
        // (the outbox) will publish again.
        for (const p of [...taken, ...this.queue.splice(0)]) p.reject(err);
      }
    }
  }

  // The next request: queued chunks in order, up to maxBatchBytes (at least one chunk).
  private take(): Pending[] {
    const taken: Pending[] = [this.queue.shift()!];
    let bytes = taken[0].bytes;
    while (this.queue.length > 0 && bytes + this.queue[0].bytes <= this.maxBatchBytes) {
      const next = this.queue.shift()!;
      bytes += next.bytes;
      taken.push(next);
    }
    return taken;
  }
}

function split(messages: Message[], maxBytes: number): Array<{ messages: Message[]; bytes: number }> {
  const out: Array<{ messages: Message[]; bytes: number }> = [];
  let cur: { messages: Message[]; bytes: number } = { messages: [], bytes: 0 };
  for (const m of messages) {
    const size = sizeOf(m);
    if (cur.messages.length > 0 && cur.bytes + size > maxBytes) {
      out.push(cur);
      cur = { messages: [], bytes: 0 };
    }
    cur.messages.push(m);
    cur.bytes += size;
  }
  if (cur.messages.length > 0) out.push(cur);
  return out;
}

function sizeOf(m: Message): number {
  const v = m.value;
  return (v === null || v === undefined ? 0 : typeof v === "string" ? Buffer.byteLength(v) : v.length) + (typeof m.key === "string" ? m.key.length : (m.key?.length ?? 0)) + 64;
}
