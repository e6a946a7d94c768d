import { CircuitBreaker as Breaker, type BreakerState as CoreState } from "@chat/domain";

// The gateway's breaker towards ingest (ADR-009) is the shared one (@chat/domain), reported in
// the health colours of seed 000: green = closed, yellow = half-open (one probe allowed),
// red = open (fail fast) — in /ready, the gateway_ingest_health gauge and the warnings.
export type BreakerState = "green" | "yellow" | "red";

export interface BreakerOptions {
  failureThreshold: number; // consecutive failures that open the circuit
  openMs: number; // how long to fail fast before letting a probe through
}

const COLOUR: Record<CoreState, BreakerState> = { closed: "green", half_open: "yellow", open: "red" };

export class CircuitBreaker {
  private readonly core: Breaker;

  constructor(
    opts: BreakerOptions,
    // Told of every change of state (once per change, never per call): the log of health changes.
    onChange: (to: BreakerState, from: BreakerState) => void = () => undefined,
  ) {
    this.core = new Breaker({ failureThreshold: opts.failureThreshold, cooldownMs: opts.openMs, onChange: (to, from) => onChange(COLOUR[to], COLOUR[from]) });
  }

  get state(): BreakerState {
    return COLOUR[this.core.state];
  }

  tryAcquire(now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    return this.core.tryAcquire(now);
  }

  onSuccess(): void {
    this.core.onSuccess();
  }

  onFailure(now: number): void {
    this.core.onFailure(now);
  }
}
