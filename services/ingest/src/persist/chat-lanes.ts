import { ChatError } from "@chat/domain";

// Serializes work per chat inside one process: a chat's sends are allocated, committed and
// published one after another, so within a replica the event log receives a chat's messages in
// seq order. Different chats run concurrently.
//
// Backpressure (issue 10 item 9, ADR 0017): the lanes are bounded per chat and in total, and
// work that cannot finish before its caller's deadline is refused at once with `unavailable`
// and a retry-after, instead of waiting in line only to time out; so is work whose turn comes
// too late to finish in time. Work whose deadline passed while it waited is dropped before it
// runs. Either way a refused send never touches the store.
export interface LaneLimits {
  // Items waiting or running in one chat's lane.
  maxPerChat: number;
  // Items waiting or running in all lanes.
  maxTotal: number;
}

export interface LaneOptions {
  // Epoch ms after which the caller no longer waits for the answer.
  deadlineAtMs?: number;
}

const UNBOUNDED: LaneLimits = { maxPerChat: Number.POSITIVE_INFINITY, maxTotal: Number.POSITIVE_INFINITY };
// Smoothing of the observed time per item (exponentially weighted moving average).
const EWMA_WEIGHT = 0.2;
const MIN_RETRY_AFTER_MS = 100;
const MAX_RETRY_AFTER_MS = 5000;

export class ChatLanes {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly depth = new Map<string, number>();
  private total = 0;
  private avgItemMs = 0;

  constructor(
    private readonly limits: LaneLimits = UNBOUNDED,
    private readonly now: () => number = Date.now,
  ) {}

  run<T>(chatId: string, work: () => Promise<T>, opts: LaneOptions = {}): Promise<T> {
    const ahead = this.depth.get(chatId) ?? 0;
    const refusal = this.admit(ahead, opts.deadlineAtMs);
    if (refusal) return Promise.reject(refusal);
    this.depth.set(chatId, ahead + 1);
    this.total++;
    const task = async (): Promise<T> => {
      try {
        if (opts.deadlineAtMs !== undefined) {
          const now = this.now();
          if (now >= opts.deadlineAtMs) throw new ChatError("deadline_exceeded", "the caller's deadline passed while the send waited; nothing was stored");
          // Its turn came too late to finish: say so while the caller still listens.
          if (now + this.avgItemMs > opts.deadlineAtMs) throw overloaded("the send would not finish before its deadline", this.retryAfter(this.load(chatId)));
        }
        const started = this.now();
        try {
          return await work();
        } finally {
          this.observe(this.now() - started);
        }
      } finally {
        this.leave(chatId);
      }
    };
    const prev = this.tails.get(chatId) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(chatId, tail);
    void tail.then(() => {
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
    });
    return next;
  }

  // Items waiting or running, per chat and in total (metrics, tests).
  load(chatId?: string): number {
    return chatId === undefined ? this.total : (this.depth.get(chatId) ?? 0);
  }

  // Resolves when all work queued so far has finished.
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private admit(ahead: number, deadlineAtMs: number | undefined): ChatError | undefined {
    if (ahead >= this.limits.maxPerChat) {
      return overloaded(`${ahead} sends of this chat are already waiting`, this.retryAfter(ahead));
    }
    if (this.total >= this.limits.maxTotal) {
      return overloaded(`${this.total} sends are already waiting in this ingest replica`, this.retryAfter(1));
    }
    if (deadlineAtMs !== undefined) {
      // Expected finish: the items ahead, then this one, at the observed pace.
      const expectedDoneAt = this.now() + (ahead + 1) * this.avgItemMs;
      if (expectedDoneAt > deadlineAtMs) {
        return overloaded(`the send would not finish before its deadline (${ahead} waiting, ~${Math.round(this.avgItemMs)} ms each)`, this.retryAfter(ahead));
      }
    }
    return undefined;
  }

  private retryAfter(itemsAhead: number): number {
    return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, Math.round(itemsAhead * this.avgItemMs)));
  }

  private observe(ms: number): void {
    this.avgItemMs = this.avgItemMs === 0 ? ms : this.avgItemMs + EWMA_WEIGHT * (ms - this.avgItemMs);
  }

  private leave(chatId: string): void {
    this.total--;
    const d = (this.depth.get(chatId) ?? 1) - 1;
    if (d <= 0) this.depth.delete(chatId);
    else this.depth.set(chatId, d);
  }
}

function overloaded(why: string, retryAfterMs: number): ChatError {
  return new ChatError("unavailable", `ingest is overloaded: ${why}; retry with the same client_message_id`, { retryAfterMs, details: { reason: "overloaded" } });
}
