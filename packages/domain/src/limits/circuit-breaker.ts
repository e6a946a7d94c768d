// The one circuit breaker (pure, clock passed in), used by the gateway towards ingest (ADR-009)
// and by fanout per gateway (ADR-0021). closed: calls go out; `failureThreshold` consecutive
// failures open it. open: nothing goes out until `cooldownMs` passed; then half-open: exactly
// one trial call, whose outcome closes it or re-opens it for another cool-down. Every state
// change is reported once through `onChange`, never once per call.
export type BreakerState = "closed" | "half_open" | "open";

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  onChange?: (to: BreakerState, from: BreakerState) => void;
}

export type BreakerGate = { allowed: true } | { allowed: false; retryAfterMs: number };

// What a caller refused during the half-open trial is told to wait: the trial's outcome is
// usually known by then.
const TRIAL_WAIT_MS = 100;

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = "closed";

  constructor(private readonly options: BreakerOptions) {}

  get state(): BreakerState {
    return this.current;
  }

  // Whether a call may go out now; if not, how long until one might. In half-open only the
  // first caller gets the trial.
  tryAcquire(now: number): BreakerGate {
    if (this.current === "open") {
      const waited = now - this.openedAt;
      if (waited < this.options.cooldownMs) return { allowed: false, retryAfterMs: this.options.cooldownMs - waited };
      this.move("half_open");
    }
    if (this.current === "half_open") {
      if (this.trialInFlight) return { allowed: false, retryAfterMs: TRIAL_WAIT_MS };
      this.trialInFlight = true;
    }
    return { allowed: true };
  }

  // Whether work arriving now should be refused at once rather than queued (open, cooling down).
  rejecting(now: number): boolean {
    return this.current === "open" && now - this.openedAt < this.options.cooldownMs;
  }

  onSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.move("closed");
  }

  onFailure(now: number): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.current === "half_open" || this.failures >= this.options.failureThreshold) {
      this.openedAt = now;
      this.move("open");
    }
  }

  // The trial call could not test the dependency (nothing to call): the next call is the trial.
  abandonTrial(): void {
    this.trialInFlight = false;
  }

  // Nothing to remember: a breaker in this state can be dropped with what it guarded.
  get pristine(): boolean {
    return this.current === "closed" && this.failures === 0;
  }

  private move(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.options.onChange?.(to, from);
  }
}
