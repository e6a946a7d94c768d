import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { importJWK, SignJWT } from "jose";
import Provider from "oidc-provider";
import { DEV_CLIENTS, DEV_RESOURCE, devClients, originAllowed } from "./clients";
import { loadOrCreateSigningKey } from "./keys";
import { createLoginInteraction, USER_NAME } from "./login-page";

export interface DevIssuerOptions {
  host: string;
  port: number; // 0 = ephemeral
  audience: string;
  keyPath?: string;
  // Extra exact redirect URIs for the web page on a non-loopback host (loopback ones, any port,
  // are always registered: see clients.ts).
  webRedirectUris?: string[];
  // Public issuer URL when it differs from the bound address (a container bound to 0.0.0.0 and
  // reached as http://dev-issuer:4400). Default: http://host:port.
  issuerUrl?: string;
}

export interface DevIssuer {
  issuer: string;
  // Signs an access token for `sub` with the issuer's key (what /dev/token serves). Options let
  // tests forge edge cases: expired, not yet valid, wrong audience.
  mintAccessToken(sub: string, opts?: { expiresInSec?: number; notBeforeSec?: number; audience?: string }): Promise<string>;
  close(): Promise<void>;
}

// A real OpenID Connect issuer (oidc-provider) for all-in-one mode and tests: discovery, JWKS,
// Authorization Code + PKCE for the public clients, access tokens as JWTs for the chat API.
// Development only: any user name logs in (the login page in login-page.ts), and POST
// /dev/token {"sub": "..."} hands out a token without a browser.
export async function startDevIssuer(opts: DevIssuerOptions): Promise<DevIssuer> {
  const jwk = await loadOrCreateSigningKey(opts.keyPath);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = opts.issuerUrl?.replace(/\/+$/, "") ?? `http://${opts.host}:${port}`;

  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: devClients(opts.webRedirectUris),
    pkce: { required: () => true },
    clientBasedCORS: (_ctx, origin, client) => originAllowed(origin, client.redirectUris ?? []),
    // A refresh token for every code grant of a client allowed to refresh, without the
    // offline_access + prompt=consent ceremony: the CLI refreshes on use, the page on expiry.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, preferred_username: sub }) }),
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEV_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "openid profile",
          audience: opts.audience,
          accessTokenTTL: 3600,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 14 * 86400, Session: 86400, Interaction: 600, Grant: 14 * 86400 },
  });
  // oidc-provider logs a warning per dev feature; that is the point of this issuer.
  provider.on("server_error", () => undefined);

  const key = await importJWK(jwk, "RS256");
  const mintAccessToken: DevIssuer["mintAccessToken"] = async (sub, o = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ scope: "openid profile", client_id: DEV_CLIENTS.cli })
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "at+jwt" })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(o.audience ?? opts.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + (o.expiresInSec ?? 3600))
      .setJti(crypto.randomUUID());
    if (o.notBeforeSec !== undefined) jwt.setNotBefore(now + o.notBeforeSec);
    return jwt.sign(key);
  };

  const callback = provider.callback();
  const login = createLoginInteraction(provider);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/dev/token")) return void handleDevToken(req, res, mintAccessToken);
    // oidc-provider's default interaction URL is /interaction/<uid>.
    if (req.url?.startsWith("/interaction/")) return void login(req, res).catch(() => res.headersSent || (res.writeHead(500), res.end("login failed")));
    // Koa (inside oidc-provider) answers its own errors; the returned promise never rejects.
    void callback(req, res);
  });

  return {
    issuer,
    mintAccessToken,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// JSON in ({"sub":"alice"}), JSON out. A form body (curl's `-d sub=alice`) gets the bare token
// as text, so a script needs no JSON tool: ALICE=$(curl -s localhost:4400/dev/token -d sub=alice).
async function handleDevToken(req: IncomingMessage, res: ServerResponse, mint: DevIssuer["mintAccessToken"]): Promise<void> {
  let text = false;
  const send = (status: number, body: { access_token: string } | { code: string; message: string }) => {
    res.writeHead(status, { "content-type": text ? "text/plain; charset=utf-8" : "application/json", "cache-control": "no-store" });
    res.end(text ? `${"access_token" in body ? body.access_token : `${body.code}: ${body.message}`}\n` : JSON.stringify(body));
  };
  if (req.method !== "POST") return send(405, { code: "invalid_argument", message: "use POST" });
  let raw = "";
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 4096) return send(413, { code: "invalid_argument", message: "body too large" });
  }
  let sub: unknown;
  try {
    sub = (JSON.parse(raw) as { sub?: unknown }).sub;
  } catch {
    const form = new URLSearchParams(raw);
    if (!form.has("sub")) return send(400, { code: "invalid_argument", message: 'body must be JSON like {"sub":"alice"} or a form like sub=alice' });
    text = true;
    sub = form.get("sub");
  }
  if (typeof sub !== "string" || !USER_NAME.test(sub)) return send(400, { code: "invalid_argument", message: "sub must match [A-Za-z0-9_-.:@]{1,128}" });
  const token = await mint(sub);
  if (text) return send(200, { access_token: token });
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 3600 }));
}
