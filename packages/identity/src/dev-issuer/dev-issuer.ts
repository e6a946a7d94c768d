import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { importJWK, SignJWT } from "jose";
import Provider from "oidc-provider";
import { loadOrCreateSigningKey } from "./keys";

export interface DevIssuerOptions {
  host: string;
  port: number; // 0 = ephemeral
  audience: string;
  keyPath?: string;
  // Redirect URIs of the public PKCE clients (CLI and web demo).
  redirectUris?: string[];
}

export interface DevIssuer {
  issuer: string;
  // Signs an access token for `sub` with the issuer's key (what /dev/token serves). Options let
  // tests forge edge cases: expired, not yet valid, wrong audience.
  mintAccessToken(sub: string, opts?: { expiresInSec?: number; notBeforeSec?: number; audience?: string }): Promise<string>;
  close(): Promise<void>;
}

export const DEV_RESOURCE = "urn:chat:api";
export const DEV_CLIENTS = { cli: "chat-cli", web: "chat-web" } as const;

// A real OpenID Connect issuer (oidc-provider) for all-in-one mode and tests: discovery, JWKS,
// Authorization Code + PKCE for the public clients, access tokens as JWTs for the chat API.
// Development only: any user name logs in (oidc-provider's dev interactions), and POST
// /dev/token {"sub": "..."} hands out a token without a browser.
export async function startDevIssuer(opts: DevIssuerOptions): Promise<DevIssuer> {
  const jwk = await loadOrCreateSigningKey(opts.keyPath);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${opts.host}:${port}`;
  const redirectUris = opts.redirectUris ?? ["http://127.0.0.1:8765/callback", "http://localhost:8765/callback"];

  const provider = new Provider(issuer, {
    jwks: { keys: [jwk as never] },
    clients: [
      { client_id: DEV_CLIENTS.cli, token_endpoint_auth_method: "none", redirect_uris: redirectUris, grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] },
      { client_id: DEV_CLIENTS.web, token_endpoint_auth_method: "none", redirect_uris: redirectUris, grant_types: ["authorization_code"], response_types: ["code"] },
    ],
    pkce: { required: () => true },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, preferred_username: sub }) }),
    features: {
      devInteractions: { enabled: true },
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
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Session: 86400, Interaction: 600, Grant: 86400 },
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
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/dev/token")) return void handleDevToken(req, res, mintAccessToken);
    callback(req, res);
  });

  return {
    issuer,
    mintAccessToken,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SUB = /^[A-Za-z0-9_\-.:@]{1,128}$/;

async function handleDevToken(req: IncomingMessage, res: ServerResponse, mint: DevIssuer["mintAccessToken"]): Promise<void> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
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
    return send(400, { code: "invalid_argument", message: 'body must be JSON like {"sub":"alice"}' });
  }
  if (typeof sub !== "string" || !SUB.test(sub)) return send(400, { code: "invalid_argument", message: "sub must match [A-Za-z0-9_-.:@]{1,128}" });
  send(200, { access_token: await mint(sub), token_type: "Bearer", expires_in: 3600 });
}
