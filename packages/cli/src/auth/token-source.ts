import { closeSync, openSync, rmSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import * as oidc from "openid-client";
import { CliError, EXIT } from "../exit-codes";
import type { Session } from "../session/session";
import type { SessionStore } from "../session/session-store";
import { describe, discoverIssuer } from "./issuer";
import { toSession } from "./login";

// Refresh this long before expiry, so a token never expires on the way to the server.
const MARGIN_MS = 60_000;
const LOCK_WAIT_MS = 15_000;
const LOCK_STALE_MS = 30_000;

// Access tokens for commands: the stored one while it is fresh, else a refreshed one. `force`
// refreshes even a token that looks fresh (the server said token_expired).
export class TokenSource {
  constructor(
    private readonly store: SessionStore,
    private readonly resource: string,
  ) {}

  session(): Session {
    return this.store.require();
  }

  async accessToken(force = false): Promise<string> {
    const s = this.store.require();
    if (!force && s.expiresAt - Date.now() > MARGIN_MS) return s.accessToken;
    return (await this.refresh(s)).accessToken;
  }

  // Refresh tokens rotate: two CLI processes refreshing at once would present the same token
  // twice, and the issuer then revokes the whole grant. A lock file serializes them, and the
  // session is re-read under the lock in case the other process already refreshed.
  private async refresh(stale: Session): Promise<Session> {
    const release = await this.lock();
    try {
      const current = this.store.require();
      if (current.accessToken !== stale.accessToken && current.expiresAt - Date.now() > MARGIN_MS) return current;
      if (!current.refreshToken) throw new CliError(EXIT.auth, "the session expired", "run: chat login");
      const config = await discoverIssuer(current.issuer, current.clientId);
      let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        tokens = await oidc.refreshTokenGrant(config, current.refreshToken, { resource: this.resource });
      } catch (e) {
        if (e instanceof oidc.ResponseBodyError) throw new CliError(EXIT.auth, `the session could not be refreshed (${describe(e)})`, "run: chat login");
        throw new CliError(EXIT.unavailable, `cannot refresh the session: ${describe(e)}`);
      }
      const next = toSession(current, tokens, current);
      this.store.write(next);
      return next;
    } finally {
      release();
    }
  }

  private async lock(): Promise<() => void> {
    const path = `${this.store.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(path, "wx", 0o600));
        return () => rmSync(path, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        try {
          if (Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS) rmSync(path, { force: true });
        } catch {
          // gone already
        }
        if (Date.now() > deadline) throw new CliError(EXIT.unavailable, `another chat process holds ${path}`, "remove the file if no chat command is running");
        await sleep(50);
      }
    }
  }
}
