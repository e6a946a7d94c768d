export interface BackoffOptions {
  // First retry's upper bound, in ms.
  initialDelayMs: number;
  // Cap of the exponential growth, in ms.
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 30_000 };

// "Full jitter" (AWS architecture blog): a uniform delay in [0, min(cap, base * 2^attempt)).
// Spreading reconnects uniformly keeps a fleet of clients from stampeding a restarted gateway.
// The server's reconnect hint is a floor, never shortened by the jitter.
export function reconnectDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random, serverHintMs = 0): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, serverHintMs);
}
