import { CircuitBreaker, type BreakerState } from "@chat/domain";

export type SkipReason = "breaker_open" | "failed" | "queue_full" | "unknown_gateway";

// Thrown by a link's deliver function when the gateway has no registered address (it expired
// or never existed): nothing to call, and no evidence that the gateway is unhealthy.
export class UnknownGatewayError extends Error {
  constructor(readonly gatewayId: string) {
    super(`gateway ${gatewayId} has no registered address`);
    this.name = "UnknownGatewayError";
  }
}

export interface LinkObserver {
  delivered(gatewayId: string, frames: number): void;
  skipped(gatewayId: string, reason: SkipReason, deliveries: number, err?: unknown): void;
  // Seconds from hand-off to the gateway's answer, once per delivery that went out.
  pushDelay(gatewayId: string, seconds: number): void;
  breakerChanged(gatewayId: string, to: BreakerState, from: BreakerState): void;
}

export interface LinkOptions {
  failureThreshold: number;
  cooldownMs: number;
  // Deliveries waiting for this gateway; beyond it new ones are skipped (clients resync).
  maxQueued: number;
  // Deliveries coalesced into one Deliver call.
  maxPerCall: number;
  now?: () => number;
}

// One gateway as seen by this fanout replica: an ordered queue with one Deliver call in flight
// at a time, so frames for a connection arrive in the order they were handed over (and queued
// deliveries are coalesced into the next call), behind a circuit breaker. A slow or dead
// gateway only ever delays its own queue; the caller never waits for it.
export class GatewayLink<D> {
  readonly breaker: CircuitBreaker;
  private queue: Array<{ delivery: D; at: number }> = [];
  private pumping = false;
  private idleWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(
    readonly gatewayId: string,
    // Sends deliveries in one call, resolves with the frames the gateway queued; the deadline is
    // the function's business. Throws UnknownGatewayError when there is nothing to call.
    private readonly deliver: (deliveries: D[]) => Promise<number>,
    private readonly observer: LinkObserver,
    private readonly options: LinkOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold,
      cooldownMs: options.cooldownMs,
      onChange: (to, from) => observer.breakerChanged(gatewayId, to, from),
    });
  }

  // Hands deliveries over without waiting for the gateway.
  enqueue(deliveries: D[]): void {
    if (deliveries.length === 0) return;
    const now = this.now();
    if (this.breaker.rejecting(now)) {
      this.observer.skipped(this.gatewayId, "breaker_open", deliveries.length);
      return;
    }
    const room = Math.max(0, this.options.maxQueued - this.queue.length);
    // Dropping the newest keeps what is queued a prefix of the stream: a gap, never a reorder.
    if (room < deliveries.length) this.observer.skipped(this.gatewayId, "queue_full", deliveries.length - room);
    for (const delivery of deliveries.slice(0, room)) this.queue.push({ delivery, at: now });
    void this.pump();
  }

  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.pumping || this.queue.length > 0;
  }

  // Resolves once everything handed over so far went out or was skipped.
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        if (!this.breaker.tryAcquire(this.now()).allowed) {
          this.dropQueued("breaker_open");
          break;
        }
        const batch = this.queue.splice(0, this.options.maxPerCall);
        try {
          const frames = await this.deliver(batch.map((q) => q.delivery));
          this.breaker.onSuccess();
          const done = this.now();
          this.observer.delivered(this.gatewayId, frames);
          for (const q of batch) this.observer.pushDelay(this.gatewayId, (done - q.at) / 1000);
        } catch (err) {
          if (err instanceof UnknownGatewayError) {
            // Not a health signal: release a half-open trial without judging the gateway.
            this.breaker.abandonTrial();
            this.observer.skipped(this.gatewayId, "unknown_gateway", batch.length, err);
            continue;
          }
          this.breaker.onFailure(this.now());
          this.observer.skipped(this.gatewayId, "failed", batch.length, err);
        }
      }
    } finally {
      this.pumping = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private dropQueued(reason: SkipReason): void {
    const n = this.queue.length;
    this.queue = [];
    if (n > 0) this.observer.skipped(this.gatewayId, reason, n);
  }
}
