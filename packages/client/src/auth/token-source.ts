import { refreshAt, tokenExpiry } from "./token";

export type TokenRequestReason = "initial" | "expired" | "refresh";

// The application's way to get an access token (e.g. from its OIDC library). Called on the first
// connect, again after the server rejected the token (close 4401, `token_expired`), and shortly
// before the current token's `exp`. It should return a fresh token each time it is called with
// reason "expired" or "refresh".
export type TokenProvider = (ctx: { reason: TokenRequestReason }) => Promise<string>;

// Caches the current token and asks the provider for a new one when needed. Concurrent callers
// share one provider call.
export class TokenSource {
  private token: string | undefined;
  private pending: Promise<string> | undefined;
  private forced: TokenRequestReason | undefined;

  constructor(
    private readonly provider: TokenProvider,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.token !== undefined && this.forced === undefined && !this.dueForRefresh(this.token)) return this.token;
    if (this.pending) return this.pending;
    const reason: TokenRequestReason = this.forced ?? (this.token === undefined ? "initial" : "refresh");
    this.pending = this.provider({ reason })
      .then((t) => {
        if (typeof t !== "string" || t.length === 0) throw new Error("token provider returned no token");
        this.token = t;
        this.forced = undefined;
        return t;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  // The server said the token is no good: the next get() asks the provider.
  invalidate(reason: TokenRequestReason = "expired"): void {
    this.forced = reason;
  }

  // When the current token should be replaced (ms since the epoch), if it carries an `exp`.
  refreshDueAt(): number | undefined {
    const exp = this.token === undefined ? undefined : tokenExpiry(this.token);
    return exp === undefined ? undefined : refreshAt(exp, this.now());
  }

  private dueForRefresh(token: string): boolean {
    const exp = tokenExpiry(token);
    return exp !== undefined && refreshAt(exp, this.now()) <= this.now();
  }
}
