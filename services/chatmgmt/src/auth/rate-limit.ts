import type { Interceptor } from "@connectrpc/connect";
import { ChatError, KeyedRateLimiter } from "@chat/domain";
import { peerAddressOf } from "@chat/rpc";
import { callerKey } from "./user-context";

// Per-IP and per-user request limits (ADR-013 layered limits). Runs after authentication so
// the user is known; the IP is the one the server socket saw (see peerAddressOf).
export function rateLimitInterceptor(limits: { perUser: { perSecond: number; burst: number }; perIp: { perSecond: number; burst: number } }): Interceptor {
  const byUser = new KeyedRateLimiter(limits.perUser.perSecond, limits.perUser.burst);
  const byIp = new KeyedRateLimiter(limits.perIp.perSecond, limits.perIp.burst);
  return (next) => async (req) => {
    const now = Date.now();
    const ip = peerAddressOf(req);
    const ipWait = ip ? byIp.take(ip, now) : 0;
    if (ipWait > 0) throw new ChatError("rate_limited", "too many requests from this address", { retryAfterMs: ipWait });
    const user = req.contextValues.get(callerKey);
    const userWait = user ? byUser.take(user.userId, now) : 0;
    if (userWait > 0) throw new ChatError("rate_limited", "too many requests for this user", { retryAfterMs: userWait });
    return next(req);
  };
}
