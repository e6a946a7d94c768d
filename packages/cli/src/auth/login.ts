import * as oidc from "openid-client";
import { CliError, EXIT } from "../exit-codes";
import type { Session } from "../session/session";
import { describe, discoverIssuer } from "./issuer";
import { startLoopbackListener } from "./loopback";

export interface LoginOptions {
  issuer: string;
  apiUrl: string;
  wsUrl: string;
  clientId: string;
  // Resource indicator (RFC 8707) naming the chat API at the issuer.
  resource: string;
  port: number;
  timeoutMs: number;
  // Where the authorization URL goes (the terminal).
  show(authUrl: string): void;
}

// Authorization Code + PKCE with a loopback redirect (RFC 8252): the user opens the printed URL,
// logs in, and the issuer redirects the browser to our listener with the code.
export async function login(o: LoginOptions): Promise<Session> {
  const config = await discoverIssuer(o.issuer, o.clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const listener = await startLoopbackListener(o.port).catch((e: Error) => {
    throw new CliError(EXIT.usage, `cannot listen on 127.0.0.1:${o.port} for the login redirect: ${e.message}`);
  });
  try {
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: listener.redirectUri,
      scope: "openid profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      resource: o.resource,
      // Always ask who is logging in, even if the browser still has a session at the issuer.
      prompt: "login",
    });
    o.show(authUrl.href);

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CliError(EXIT.auth, `no login within ${Math.round(o.timeoutMs / 1000)} s`, "run chat login again and open the URL")), o.timeoutMs);
    });
    const back = await Promise.race([listener.callback, timeout]).finally(() => clearTimeout(timer));
    const error = back.searchParams.get("error");
    if (error) throw new CliError(EXIT.auth, `login failed: ${error}${back.searchParams.get("error_description") ? ` (${back.searchParams.get("error_description")})` : ""}`);

    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state }, { resource: o.resource });
    } catch (e) {
      throw new CliError(EXIT.auth, `the issuer refused the login: ${describe(e)}`);
    }
    return toSession(o, tokens);
  } finally {
    await listener.close();
  }
}

export function toSession(
  o: Pick<LoginOptions, "issuer" | "apiUrl" | "wsUrl" | "clientId">,
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previous?: Session,
): Session {
  const user = tokens.claims()?.sub ?? previous?.user ?? subjectOf(tokens.access_token);
  return {
    version: 1,
    issuer: o.issuer,
    clientId: o.clientId,
    apiUrl: o.apiUrl,
    wsUrl: o.wsUrl,
    user,
    accessToken: tokens.access_token,
    expiresAt: Date.now() + (tokens.expiresIn() ?? 300) * 1000,
    refreshToken: tokens.refresh_token ?? previous?.refreshToken,
  };
}

// The access token is a JWT for this API; only its `sub` is read here (the server verifies it).
function subjectOf(jwt: string): string {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8")) as { sub?: unknown };
    if (typeof payload.sub === "string") return payload.sub;
  } catch {
    // fall through
  }
  throw new CliError(EXIT.auth, "the issuer returned a token without a subject");
}
