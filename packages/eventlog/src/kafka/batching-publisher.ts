import type { Message, TopicMessages } from "kafkajs";

// All publications of one process go through here (issue 7 point 3, issue 10 item 13c).
//
// Micro-batching: a record waits up to lingerMs (Kafka's linger.ms) for others, so one produce
// request carries the records of many publish() calls: at 1,000 messages/s one request every
// few milliseconds instead of one per message, which is what the profile of the seed showed
// (kafkajs 12% of fanout's CPU, one message per request). A batch goes out early once it holds
// maxBatchRecords records or maxBatchBytes bytes.
//
// One request in flight: what arrives meanwhile waits for the next one. With the idempotent
// producer's single in-flight request, that keeps a key's records in publish order across
// requests; within a request they keep their order in the partition's record batch. While the
// broker is down, N concurrent publications also mean one failure and one producer replacement
// at a time, not N (each adding a listener to the still-connecting socket).
//
// A failed request fails every publication in it and every one queued behind it: sending the
// later ones would put a key's later records in the log before its failed earlier ones, which
// their callers (the outbox) publish again.

export type SendBatch = (topicMessages: TopicMessages[]) => Promise<void>;

export interface BatchingOptions {
  // How long the first queued record waits for others before its request goes out; 0 sends
  // as soon as no request is in flight.
  lingerMs: number;
  maxBatchRecords: number;
  // Sum of record sizes per request: the broker refuses a partition batch above
  // message.max.bytes (1 MiB by default), and with it every batch of the request.
  maxBatchBytes: number;
}

export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
export const DEFAULT_BATCHING: BatchingOptions = { lingerMs: 10, maxBatchRecords: 1000, maxBatchBytes: DEFAULT_MAX_BATCH_BYTES };

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  queuedAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class BatchingPublisher {
  private readonly queue: Pending[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  // Set by flush(): the linger is skipped until the queue is empty (shutdown).
  private flushing: Array<() => void> = [];
  // For tests: requests sent so far.
  requests = 0;

  constructor(
    private readonly send: SendBatch,
    private readonly options: BatchingOptions = DEFAULT_BATCHING,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(Number.isInteger(options.lingerMs) && options.lingerMs >= 0)) throw new RangeError(`lingerMs must be a non-negative integer, got ${options.lingerMs}`);
    if (!(Number.isInteger(options.maxBatchRecords) && options.maxBatchRecords > 0)) throw new RangeError(`maxBatchRecords must be a positive integer, got ${options.maxBatchRecords}`);
    if (!(Number.isInteger(options.maxBatchBytes) && options.maxBatchBytes > 0)) throw new RangeError(`maxBatchBytes must be a positive integer, got ${options.maxBatchBytes}`);
  }

  // Resolves when every record is acknowledged by the broker.
  publish(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const queuedAt = this.now();
    const done = split(messages, this.options).map(
      (chunk) =>
        new Promise<void>((resolve, reject) => {
          this.queue.push({ topic, messages: chunk.messages, bytes: chunk.bytes, queuedAt, resolve, reject });
          this.queuedRecords += chunk.messages.length;
          this.queuedBytes += chunk.bytes;
        }),
    );
    this.schedule();
    return Promise.all(done).then(() => undefined);
  }

  // Sends what is queued without waiting for the linger; resolves once nothing is queued or in
  // flight (graceful shutdown).
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.inFlight) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.flushing.push(resolve));
    this.schedule();
    return idle;
  }

  private schedule(): void {
    if (this.inFlight) return;
    if (this.queue.length === 0) {
      for (const resolve of this.flushing.splice(0)) resolve();
      return;
    }
    const waited = this.now() - this.queue[0].queuedAt;
    if (this.flushing.length > 0 || this.full() || waited >= this.options.lingerMs) {
      this.clearTimer();
      void this.sendNext();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, Math.ceil(this.options.lingerMs - waited));
    }
  }

  private async sendNext(): Promise<void> {
    this.inFlight = true;
    const taken = this.take();
    const byTopic = new Map<string, Message[]>();
    for (const p of taken) {
      const list = byTopic.get(p.topic);
      if (list) list.push(...p.messages);
      else byTopic.set(p.topic, [...p.messages]);
    }
    try {
      this.requests++;
      await this.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      for (const p of taken) p.resolve();
    } catch (err) {
      const behind = this.queue.splice(0);
      this.queuedRecords = 0;
      this.queuedBytes = 0;
      for (const p of [...taken, ...behind]) p.reject(err);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }

  private full(): boolean {
    return this.queuedRecords >= this.options.maxBatchRecords || this.queuedBytes >= this.options.maxBatchBytes;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // The next request: queued chunks in order, within both bounds (at least one chunk).
  private take(): Pending[] {
    const taken: Pending[] = [this.queue.shift()!];
    let records = taken[0].messages.length;
    let bytes = taken[0].bytes;
    while (this.queue.length > 0 && records + this.queue[0].messages.length <= this.options.maxBatchRecords && bytes + this.queue[0].bytes <= this.options.maxBatchBytes) {
      const next = this.queue.shift()!;
      records += next.messages.length;
      bytes += next.bytes;
      taken.push(next);
    }
    this.queuedRecords -= records;
    this.queuedBytes -= bytes;
    return taken;
  }
}

// One publish() call cut into chunks that each fit one request, in order.
function split(messages: Message[], limits: BatchingOptions): Array<{ messages: Message[]; bytes: number }> {
  const out: Array<{ messages: Message[]; bytes: number }> = [];
  let cur: { messages: Message[]; bytes: number } = { messages: [], bytes: 0 };
  for (const m of messages) {
    const size = sizeOf(m);
    if (cur.messages.length > 0 && (cur.bytes + size > limits.maxBatchBytes || cur.messages.length >= limits.maxBatchRecords)) {
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
