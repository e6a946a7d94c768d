import { ChatError, KeyedRateLimiter, TokenBucket } from "@chat/domain";
import type { ClientFrame } from "@chat/proto";

export interface RateLimit {
  perSecond: number;
  burst: number;
}

// Every client frame kind after `auth` takes a token of its operation, per connection and per
// user (ADR 0015): a flood of cheap frames (typing, receipts, sync, ping) is refused like a
// flood of sends.
export type Operation = "send" | "typing" | "receipt" | "sync" | "ping";
export type OperationLimits = Record<Operation, { connection: RateLimit; user: RateLimit }>;

type FrameKind = Exclude<NonNullable<ClientFrame["kind"]["case"]>, "auth">;

export const OPERATION_OF: Record<FrameKind, Operation> = {
  sendMessage: "send",
  typing: "typing",
  ack: "receipt",
  read: "receipt",
  sync: "sync",
  ping: "ping",
};

const NOUN: Record<Operation, string> = { send: "sends", typing: "typing frames", receipt: "receipts", sync: "syncs", ping: "pings" };

// The per-user buckets, shared by all connections of the user on this gateway.
export class UserOperationLimiter {
  private readonly limiters: Record<Operation, KeyedRateLimiter>;

  constructor(readonly limits: OperationLimits) {
    this.limiters = mapOps(limits, (l) => new KeyedRateLimiter(l.user.perSecond, l.user.burst));
  }

  take(op: Operation, userId: string, now: number): void {
    const wait = this.limiters[op].take(userId, now);
    if (wait > 0) throw new ChatError("rate_limited", `too many ${NOUN[op]} for this user`, { retryAfterMs: wait, details: { operation: op, scope: "user" } });
  }
}

// The buckets of one connection.
export class ConnectionOperationLimiter {
  private readonly buckets: Record<Operation, TokenBucket>;

  constructor(
    private readonly limits: OperationLimits,
    now: number,
  ) {
    this.buckets = mapOps(limits, (l) => new TokenBucket(l.connection.perSecond, l.connection.burst, now));
  }

  take(op: Operation, now: number): void {
    const wait = this.buckets[op].take(now);
    if (wait > 0) {
      throw new ChatError("rate_limited", `more than ${this.limits[op].connection.perSecond} ${NOUN[op]} per second`, { retryAfterMs: wait, details: { operation: op, scope: "connection" } });
    }
  }
}

function mapOps<T>(limits: OperationLimits, f: (l: OperationLimits[Operation]) => T): Record<Operation, T> {
  return { send: f(limits.send), typing: f(limits.typing), receipt: f(limits.receipt), sync: f(limits.sync), ping: f(limits.ping) };
}
