// Relays a user's typing state for a chat at most once per interval (ADR 0015). The first frame
// goes out at once; frames within the interval only update the pending state, which goes out
// when the interval ends if it differs from what was last relayed (so "stopped typing" is not
// lost). A burst of thousands of frames therefore costs the members one frame per interval.
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class TypingCoalescer {
  private readonly entries = new Map<string, { userId: string; chatId: string; relayedAt: number; relayed: boolean; pending?: boolean; timer?: unknown }>();
  private lastSweep = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly relay: (userId: string, chatId: string, active: boolean) => void,
    private readonly clock: Clock = realClock,
  ) {}

  offer(userId: string, chatId: string, active: boolean): void {
    const now = this.clock.now();
    this.sweep(now);
    const key = `${userId}\u0000${chatId}`;
    const e = this.entries.get(key);
    if (!e || (now - e.relayedAt >= this.intervalMs && !e.timer)) {
      this.entries.set(key, { userId, chatId, relayedAt: now, relayed: active });
      this.relay(userId, chatId, active);
      return;
    }
    e.pending = active;
    e.timer ??= this.clock.setTimeout(() => this.flush(key), Math.max(0, e.relayedAt + this.intervalMs - now));
  }

  stop(): void {
    for (const e of this.entries.values()) if (e.timer !== undefined) this.clock.clearTimeout(e.timer);
    this.entries.clear();
  }

  private flush(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.timer = undefined;
    if (e.pending !== undefined && e.pending !== e.relayed) {
      e.relayedAt = this.clock.now();
      e.relayed = e.pending;
      this.relay(e.userId, e.chatId, e.pending);
    }
    e.pending = undefined;
  }

  // Entries idle for a whole interval carry no information any more.
  private sweep(now: number): void {
    if (now - this.lastSweep < this.intervalMs) return;
    this.lastSweep = now;
    for (const [k, e] of this.entries) if (!e.timer && now - e.relayedAt >= this.intervalMs) this.entries.delete(k);
  }
}
