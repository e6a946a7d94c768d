import { createRemoteJWKSet, errors, jwtVerify, UnsecuredJWT, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import * as oidc from "openid-client";
import { ChatError, DEFAULT_LIMITS, validateId } from "@chat/domain";
import { keyFor, servesAlg, signatureValid } from "./node-signature";

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
  const options: JWTVerifyOptions = {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms,
    clockTolerance: opts.clockToleranceSec ?? 5,
    requiredClaims: ["sub", "exp"],
  };
  return {
    async verify(token: string): Promise<Identity> {
      if (typeof token !== "string" || token.length === 0) throw new ChatError("unauthenticated", "an access token is required");
      if (token.length > 8192) throw new ChatError("unauthenticated", "access token is too long");
      try {
        const payload = (await verifyCommon(token, opts.keys, algorithms, options)) ?? (await jwtVerify(token, opts.keys, options)).payload;
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

const BASE64URL = /^[A-Za-z0-9_-]+$/;
// The header of an unsecured JWT ({"alg":"none"}): see verifyCommon.
const NONE_HEADER = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");

// The common token (a compact JWS of base64url parts, a JSON header with an allowed alg that
// node:crypto serves, no "crit"/"b64", a fitting key from the JWKS) verified with node:crypto
// instead of WebCrypto. Same checks as jwtVerify: the key from the same resolver (kid lookup,
// refetch on an unknown kid), the signature, then the claims by jose's own claim-set validation
// with the same options (UnsecuredJWT.decode runs exactly that on the now verified payload; its
// "none" header is ours, never the token's). undefined: anything else, which jwtVerify itself
// then verifies or refuses with its own error.
async function verifyCommon(token: string, keys: JWTVerifyGetKey, algorithms: string[], options: JWTVerifyOptions): Promise<JWTPayload | undefined> {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) return undefined;
  const [protectedPart, payloadPart, signaturePart] = parts;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(protectedPart, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header) || "crit" in header || "b64" in header) return undefined;
  const alg = (header as { alg?: unknown }).alg;
  if (typeof alg !== "string" || !algorithms.includes(alg) || !servesAlg(alg)) return undefined;
  const key = keyFor(alg, await keys(header as Parameters<JWTVerifyGetKey>[0], { payload: payloadPart, protected: protectedPart, signature: signaturePart }));
  if (!key) return undefined;
  if (!signatureValid(alg, key, `${protectedPart}.${payloadPart}`, Buffer.from(signaturePart, "base64url"))) throw new errors.JWSSignatureVerificationFailed();
  return UnsecuredJWT.decode(`${NONE_HEADER}.${payloadPart}.`, options).payload;
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
