// Closes connections whose access token expired, from one shared timer: a timer per connection
// (each with its own duration, so its own timer list in Node) cost about as much memory as the
// rest of an idle connection. A token is checked within SWEEP_INTERVAL_MS of its expiry.
export const SWEEP_INTERVAL_MS = 1000;

export interface Expiring {
  expire(): void;
}

export class ExpirySweep<C extends Expiring = Expiring> {
  private readonly at = new Map<C, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  add(c: C, expiresAtMs: number): void {
    this.at.set(c, expiresAtMs);
  }

  delete(c: C): void {
    this.at.delete(c);
  }

  get size(): number {
    return this.at.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [c, expiresAt] of this.at) {
      if (expiresAt > now) continue;
      this.at.delete(c);
      c.expire();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
