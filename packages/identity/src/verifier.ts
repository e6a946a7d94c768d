import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import * as oidc from "openid-client";
import { ChatError, DEFAULT_LIMITS, validateId } from "@chat/domain";

export interface Identity {
  userId: string;
  expiresAtMs: number;
  claims: JWTPayload;
}

// The identity port: whatever issued the token, services only ever see a verified Identity.
export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

export interface OidcVerifierOptions {
  issuer: string;
  audience: string;
  algorithms: string[];
  allowHttp: boolean;
  clockToleranceSec?: number;
}

// Discovers the issuer (openid-client), then verifies JWT access tokens against its JWKS with
// jose: signature, issuer, audience, exp/nbf and an algorithm allow-list ("none" can never be
// on it). The remote key set refetches on an unknown `kid`, which is how key rotation lands.
export async function createOidcVerifier(opts: OidcVerifierOptions): Promise<TokenVerifier> {
  const execute = opts.allowHttp ? [oidc.allowInsecureRequests] : [];
  const server = await oidc.discovery(new URL(opts.issuer), opts.audience, undefined, undefined, { execute });
  const meta = server.serverMetadata();
  if (!meta.jwks_uri) throw new Error(`issuer ${opts.issuer} publishes no jwks_uri`);
  const keys = createRemoteJWKSet(new URL(meta.jwks_uri), { cooldownDuration: 5_000 });
  return createJwtVerifier({ ...opts, issuer: meta.issuer, keys });
}

export function createJwtVerifier(opts: { issuer: string; audience: string; algorithms: string[]; keys: JWTVerifyGetKey; clockToleranceSec?: number }): TokenVerifier {
  const algorithms = opts.algorithms.filter((a) => a.toLowerCase() !== "none");
  return {
    async verify(token: string): Promise<Identity> {
      if (typeof token !== "string" || token.length === 0) throw new ChatError("unauthenticated", "an access token is required");
      if (token.length > 8192) throw new ChatError("unauthenticated", "access token is too long");
      try {
        const { payload } = await jwtVerify(token, opts.keys, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms,
          clockTolerance: opts.clockToleranceSec ?? 5,
          requiredClaims: ["sub", "exp"],
        });
        if (typeof payload.sub !== "string" || payload.sub.length === 0) throw new ChatError("unauthenticated", "token has no subject");
        checkSubject(payload.sub);
        return { userId: payload.sub, expiresAtMs: payload.exp! * 1000, claims: payload };
      } catch (e) {
        if (e instanceof ChatError) throw e;
        if (e instanceof errors.JWTExpired) throw new ChatError("token_expired", "access token has expired");
        const reason = e instanceof errors.JOSEError ? e.code : "ERR_INVALID";
        throw new ChatError("unauthenticated", "access token is not valid", { details: { reason } });
      }
    },
  };
}

// The subject becomes the user id in every row, key and route, so it must follow the id rule
// (packages/domain ids): a `sub` like "../x", 300 characters or a NUL would create rows nobody
// can address. Refused as unauthenticated: the token is unusable here, whoever signed it.
function checkSubject(sub: string): void {
  try {
    validateId("sub", sub, DEFAULT_LIMITS.maxIdLength);
  } catch {
    throw new ChatError("unauthenticated", `token subject is not a valid user id (at most ${DEFAULT_LIMITS.maxIdLength} characters of [A-Za-z0-9_-.:@])`, {
      details: { reason: "invalid_subject" },
    });
  }
}
