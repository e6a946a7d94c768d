import { KeyedRateLimiter } from "@chat/domain";
import type { UpgradeRefusal } from "../http/gateway-http";
import type { RateLimit } from "./operation-limits";

// Per client IP, before the WebSocket handshake: a bound on sockets that have not authenticated
// yet (each holds memory and an auth timer for nothing) and on new connections per second.
// Behind a load balancer the IP is the balancer's, so operators raise these there (ADR 0015).
export class IpAdmission {
  private readonly unauthenticated = new Map<string, number>();
  private readonly connects: KeyedRateLimiter;

  constructor(
    private readonly maxUnauthenticated: number,
    connectRate: RateLimit,
  ) {
    this.connects = new KeyedRateLimiter(connectRate.perSecond, connectRate.burst);
  }

  admit(ip: string, now: number): UpgradeRefusal | undefined {
    if ((this.unauthenticated.get(ip) ?? 0) >= this.maxUnauthenticated) {
      return { status: 429, code: "rate_limited", message: `more than ${this.maxUnauthenticated} unauthenticated connections from this address`, retryAfterS: 1 };
    }
    const wait = this.connects.take(ip, now);
    if (wait > 0) return { status: 429, code: "rate_limited", message: "too many new connections from this address", retryAfterS: Math.ceil(wait / 1000) };
    return undefined;
  }

  // Counts a socket from `ip` as unauthenticated until the returned function is called (once
  // it authenticated or closed; further calls do nothing).
  track(ip: string): () => void {
    this.unauthenticated.set(ip, (this.unauthenticated.get(ip) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.unauthenticated.get(ip) ?? 1) - 1;
      if (n <= 0) this.unauthenticated.delete(ip);
      else this.unauthenticated.set(ip, n);
    };
  }

  unauthenticatedFrom(ip: string): number {
    return this.unauthenticated.get(ip) ?? 0;
  }
}
