// Per-gateway circuit breaker (pure, clock passed in). closed: calls go out; `failureThreshold`
// consecutive failures open it. open: nothing goes out (deliveries are skipped, clients resync)
// until `cooldownMs` passed; then half-open: exactly one trial call, whose outcome closes or
// re-opens it. Every state change is reported once through `onChange`.
export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  onChange?: (to: BreakerState, from: BreakerState) => void;
}

export class GatewayBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = "closed";

  constructor(private readonly options: BreakerOptions) {}

  get state(): BreakerState {
    return this.current;
  }

  // Whether a call may go out now. In half-open only the first caller gets the trial.
  allow(now: number): boolean {
    if (this.current === "open") {
      if (now - this.openedAt < this.options.cooldownMs) return false;
      this.move("half_open");
    }
    if (this.current === "half_open") {
      if (this.trialInFlight) return false;
      this.trialInFlight = true;
    }
    return true;
  }

  // Whether deliveries arriving now should be skipped at once rather than queued.
  rejecting(now: number): boolean {
    return this.current === "open" && now - this.openedAt < this.options.cooldownMs;
  }

  succeeded(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.move("closed");
  }

  // The trial call could not test the gateway (nothing to call): the next call is the trial.
  abandonTrial(): void {
    this.trialInFlight = false;
  }

  failed(now: number): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.current === "half_open" || this.failures >= this.options.failureThreshold) {
      this.openedAt = now;
      this.move("open");
    }
  }

  // A breaker with nothing to remember can be forgotten with its gateway.
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
