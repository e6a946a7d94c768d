import { ChatError } from "@chat/domain";

// The observed pace of group commits, for backpressure (ADR 0017, 0024): how long a commit
// takes, and how long it takes per send it carries. Exponentially weighted moving averages.
const EWMA_WEIGHT = 0.2;
const MIN_RETRY_AFTER_MS = 100;
const MAX_RETRY_AFTER_MS = 5000;

export class Pace {
  private commitMs = 0;
  private perSendMs = 0;

  observe(ms: number, sends: number): void {
    const perSend = ms / Math.max(1, sends);
    this.commitMs = this.commitMs === 0 ? ms : this.commitMs + EWMA_WEIGHT * (ms - this.commitMs);
    this.perSendMs = this.perSendMs === 0 ? perSend : this.perSendMs + EWMA_WEIGHT * (perSend - this.perSendMs);
  }

  // Expected time until a send finishes, with `chatAhead` sends of its chat and `totalAhead`
  // sends in all before it, and `commits` commits running at once. A send waits at least for
  // its own commit (and the one its chat is in, if any); a chat's sends are committed one
  // batch after another, and all sends share the commits running at once.
  expectedMs(chatAhead: number, totalAhead: number, chatBusy: boolean, commits: number): number {
    const ownCommit = this.commitMs * (chatBusy ? 2 : 1);
    const chatWork = (chatAhead + 1) * this.perSendMs;
    const allWork = ((totalAhead + 1) * this.perSendMs) / Math.max(1, commits);
    return Math.max(ownCommit, chatWork, allWork);
  }

  // The time one commit is expected to take (a send whose turn comes joins one).
  commitTimeMs(): number {
    return this.commitMs;
  }

  retryAfterMs(expectedMs: number): number {
    return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, Math.round(expectedMs)));
  }
}

export function overloaded(why: string, retryAfterMs: number): ChatError {
  return new ChatError("unavailable", `ingest is overloaded: ${why}; retry with the same client_message_id`, { retryAfterMs, details: { reason: "overloaded" } });
}
