// Circuit breaker for gateway -> ingest (ADR-009), with the health colours of seed 000:
// green = closed, yellow = half-open (one probe allowed), red = open (fail fast).
export type BreakerState = "green" | "yellow" | "red";

export interface BreakerOptions {
  failureThreshold: number; // consecutive failures that open the circuit
  openMs: number; // how long to fail fast before letting a probe through
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private _state: BreakerState = "green";

  constructor(
    private readonly opts: BreakerOptions,
    // Told of every change of state (once per change, never per call): the log of health changes.
    private readonly onChange: (to: BreakerState, from: BreakerState) => void = () => undefined,
  ) {}

  get state(): BreakerState {
    return this._state;
  }

  // Whether a call may go out now; when red, the remaining time until a probe is allowed.
  tryAcquire(now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    if (this._state === "red") {
      const waited = now - this.openedAt;
      if (waited < this.opts.openMs) return { allowed: false, retryAfterMs: this.opts.openMs - waited };
      this.set("yellow");
    }
    if (this._state === "yellow") {
      if (this.probing) return { allowed: false, retryAfterMs: 100 };
      this.probing = true;
    }
    return { allowed: true };
  }

  onSuccess(): void {
    this.failures = 0;
    this.probing = false;
    this.set("green");
  }

  onFailure(now: number): void {
    this.probing = false;
    this.failures++;
    if (this._state === "yellow" || this.failures >= this.opts.failureThreshold) {
      this.openedAt = now;
      this.set("red");
    }
  }

  private set(to: BreakerState): void {
    const from = this._state;
    if (from === to) return;
    this._state = to;
    this.onChange(to, from);
  }
}
