// Reads `exp` (seconds since the epoch) from a JWT without verifying it: the client only needs
// to know when to fetch a fresh token; the server verifies. Returns undefined for an opaque or
// malformed token.
export function tokenExpiry(token: string): number | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

// When to replace a token that expires at `expiresAt` (ms): a margin before expiry of 10% of its
// remaining lifetime, at least 2 s and at most 60 s, so a 1-hour token is refreshed a minute
// early and a 10-second test token two seconds early.
export function refreshAt(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  const margin = Math.min(60_000, Math.max(2_000, remaining * 0.1));
  return Math.max(now, expiresAt - margin);
}
