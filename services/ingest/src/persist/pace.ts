import { ChatError } from "@chat/domain";

// The observed pace of group commits, for backpressure (ADR 0017, 0029). A commit costs a
// fixed part (a round trip, a transaction) plus a part per send it carries; on DynamoDB the
// fixed part dominates, on a store whose cost grows with the work the other. Both are fitted
// by a least-squares line through exponentially weighted moments of (sends, duration) of the
// commits seen: duration ≈ fixed + perSend × sends.
const EWMA_WEIGHT = 0.1;
// Until 1 / EWMA_WEIGHT commits were seen, each counts equally (a running mean): the first
// commits of a cold store (a JVM compiling, a connection pool filling) take seconds, and
// letting the first one set the estimate refused nearly every send for the next dozens of
// commits, which then carried few sends, so the estimate came down slowly.
// After a few commits, one observation counts as at most this multiple of what the model
// expected: a single stall (a GC pause of the store) nudges the estimate instead of throwing it
// up tenfold, while a lasting slowdown is still learnt, a bounded step per commit.
const MAX_STEP = 3;
const CLAMP_AFTER = 3;
// Below this variance of the batch sizes the slope cannot be told apart from noise: all the
// time is taken as fixed (it then shows as the sizes start to differ).
const MIN_SIZE_VARIANCE = 0.25;
const MIN_RETRY_AFTER_MS = 100;
const MAX_RETRY_AFTER_MS = 5000;

export class Pace {
  private seen = 0;
  private n = 0;
  private d = 0;
  private nn = 0;
  private nd = 0;

  constructor(
    // Sends one commit carries at most when they are of different chats and senders (5 items
    // each of a transaction's 100): a conservative capacity for the estimate.
    private readonly capacity = 20,
  ) {}

  observe(ms: number, sends: number): void {
    if (this.seen >= CLAMP_AFTER) ms = Math.min(ms, MAX_STEP * Math.max(1, this.commitMs(sends)));
    this.seen++;
    const w = Math.max(EWMA_WEIGHT, 1 / this.seen);
    this.n += w * (sends - this.n);
    this.d += w * (ms - this.d);
    this.nn += w * (sends * sends - this.nn);
    this.nd += w * (sends * ms - this.nd);
  }

  private line(): { fixed: number; perSend: number } {
    const variance = this.nn - this.n * this.n;
    const perSend = variance >= MIN_SIZE_VARIANCE ? Math.max(0, (this.nd - this.n * this.d) / variance) : 0;
    return { fixed: Math.max(0, this.d - perSend * this.n), perSend };
  }

  // The expected duration of a commit of `sends` sends.
  commitMs(sends = 1): number {
    const { fixed, perSend } = this.line();
    return fixed + perSend * sends;
  }

  // Expected time until a send finishes, with `chatAhead` sends of its chat and `totalAhead`
  // sends in all before it, and `commits` commits running at once: its chat's sends go one
  // commit after another (after, on average, half of the one the chat is in, if any); all
  // sends share the commits running at once.
  expectedMs(chatAhead: number, totalAhead: number, chatBusy: boolean, commits: number): number {
    const { fixed, perSend } = this.line();
    const chat = (Math.ceil((chatAhead + 1) / this.capacity) + (chatBusy ? 0.5 : 0)) * fixed + perSend * (chatAhead + 1);
    const all = (Math.ceil((totalAhead + 1) / this.capacity) * fixed + perSend * (totalAhead + 1)) / Math.max(1, commits);
    return Math.max(chat, all);
  }

  retryAfterMs(expectedMs: number): number {
    return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, Math.round(expectedMs)));
  }
}

export function overloaded(why: string, retryAfterMs: number): ChatError {
  return new ChatError("unavailable", `ingest is overloaded: ${why}; retry with the same client_message_id`, { retryAfterMs, details: { reason: "overloaded" } });
}
