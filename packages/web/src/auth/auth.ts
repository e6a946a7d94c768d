import * as oauth from "oauth4webapi";
import type { WebConfig } from "../config";

export interface Tokens {
  user: string;
  accessToken: string;
  refreshToken?: string;
  // Epoch milliseconds.
  expiresAt: number;
}

// The tokens are gone or refused for good: only a new login helps.
export class SessionExpired extends Error {
  override readonly name = "SessionExpired";
}

const TOKENS_KEY = "chat.tokens";
const PENDING_KEY = "chat.login";
// Refresh this long before expiry so a token never expires on its way to the server.
const MARGIN_MS = 60_000;

// Authorization Code + PKCE in the browser (oauth4webapi). Tokens live in sessionStorage: per
// tab, gone when the tab closes, so two tabs can be two users.
export class Auth {
  private constructor(
    private readonly cfg: WebConfig,
    private readonly as: oauth.AuthorizationServer,
    private readonly http: { [oauth.allowInsecureRequests]?: boolean },
  ) {}

  static async discover(cfg: WebConfig): Promise<Auth> {
    const issuer = new URL(cfg.issuer);
    // The all-in-one's development issuer speaks plain http on loopback.
    const http = issuer.protocol === "http:" ? { [oauth.allowInsecureRequests]: true } : {};
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...http }));
    return new Auth(cfg, as, http);
  }

  // The page's own directory URL, e.g. http://127.0.0.1:8081/app/ — what the issuer registered.
  get redirectUri(): string {
    return new URL(".", location.href).href;
  }

  private get client(): oauth.Client {
    return { client_id: this.cfg.clientId };
  }

  current(): Tokens | undefined {
    const raw = sessionStorage.getItem(TOKENS_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : undefined;
  }

  async startLogin(): Promise<never> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
    const url = new URL(this.as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: this.cfg.clientId,
      redirect_uri: this.redirectUri,
      response_type: "code",
      scope: "openid profile",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      prompt: "login",
      ...(this.cfg.resource ? { resource: this.cfg.resource } : {}),
    }).toString();
    location.assign(url.href);
    return new Promise<never>(() => undefined);
  }

  // True if this page load is the issuer's redirect back (code or error in the query).
  isCallback(): boolean {
    const q = new URLSearchParams(location.search);
    return q.has("state") && (q.has("code") || q.has("error"));
  }

  async finishLogin(): Promise<Tokens> {
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as { verifier: string; state: string } | null;
    sessionStorage.removeItem(PENDING_KEY);
    const here = new URL(location.href);
    // Drop code/state from the address bar (and from history) whatever happens next.
    history.replaceState(null, "", this.redirectUri);
    if (!pending) throw new Error("this login was not started here (or the tab was reloaded); log in again");
    const q = here.searchParams;
    if (q.get("error")) throw new Error(`login failed: ${q.get("error_description") ?? q.get("error")}`);
    const params = oauth.validateAuthResponse(this.as, this.client, here, pending.state);
    const res = await oauth.authorizationCodeGrantRequest(this.as, this.client, oauth.None(), params, this.redirectUri, pending.verifier, {
      ...this.http,
      additionalParameters: this.cfg.resource ? { resource: this.cfg.resource } : undefined,
    });
    const result = await oauth.processAuthorizationCodeResponse(this.as, this.client, res);
    return this.save(result, oauth.getValidatedIdTokenClaims(result)?.sub);
  }

  // The SDK's token provider: the stored token while fresh, else a refreshed one. `force` after
  // the server said token_expired.
  async accessToken(force = false): Promise<string> {
    const t = this.current();
    if (!t) throw new SessionExpired("not logged in");
    if (!force && t.expiresAt - Date.now() > MARGIN_MS) return t.accessToken;
    if (!t.refreshToken) throw this.expire("the session expired");
    const res = await oauth.refreshTokenGrantRequest(this.as, this.client, oauth.None(), t.refreshToken, {
      ...this.http,
      additionalParameters: this.cfg.resource ? { resource: this.cfg.resource } : undefined,
    });
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processRefreshTokenResponse(this.as, this.client, res);
    } catch (e) {
      // invalid_grant and friends: the refresh token is dead (an issuer restart forgets them).
      // A network failure is not an answer: it propagates and the SDK tries again later.
      if (e instanceof oauth.ResponseBodyError) throw this.expire(`the session expired (${e.error})`);
      throw e;
    }
    return this.save(result, t.user, t.refreshToken).accessToken;
  }

  private expire(message: string): SessionExpired {
    sessionStorage.removeItem(TOKENS_KEY);
    return new SessionExpired(message);
  }

  async logout(): Promise<void> {
    const t = this.current();
    sessionStorage.removeItem(TOKENS_KEY);
    if (t?.refreshToken && this.as.revocation_endpoint) {
      await oauth.revocationRequest(this.as, this.client, oauth.None(), t.refreshToken, this.http).catch(() => undefined);
    }
  }

  private save(r: oauth.TokenEndpointResponse, sub: string | undefined, previousRefresh?: string): Tokens {
    const user = sub ?? subjectOf(r.access_token);
    const tokens: Tokens = {
      user,
      accessToken: r.access_token,
      refreshToken: r.refresh_token ?? previousRefresh,
      expiresAt: Date.now() + (r.expires_in ?? 300) * 1000,
    };
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
    return tokens;
  }
}

function subjectOf(jwt: string): string {
  const payload = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: string };
  if (!payload.sub) throw new Error("the access token has no subject");
  return payload.sub;
}
