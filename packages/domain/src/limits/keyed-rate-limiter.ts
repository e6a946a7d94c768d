import { TokenBucket } from "./token-bucket";

// One token bucket per key (user, IP, connection). Idle buckets are full again after
// burst/rate seconds, so they are dropped then; memory stays proportional to active keys.
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();
  private readonly idleMs: number;
  private lastSweep = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.idleMs = Math.ceil((burst / ratePerSec) * 1000);
  }

  // 0 if allowed, otherwise milliseconds until the key may try again.
  take(key: string, now: number): number {
    if (now - this.lastSweep > this.idleMs) this.sweep(now);
    let entry = this.buckets.get(key);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.ratePerSec, this.burst, now), lastUsed: now };
      this.buckets.set(key, entry);
    }
    entry.lastUsed = now;
    return entry.bucket.take(now);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [k, e] of this.buckets) if (now - e.lastUsed > this.idleMs) this.buckets.delete(k);
  }
}
