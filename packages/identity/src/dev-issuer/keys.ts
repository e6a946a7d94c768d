import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";

// The dev issuer's signing key. Kept on disk when a path is given so tokens survive an
// all-in-one restart.
export async function loadOrCreateSigningKey(path?: string): Promise<JWK> {
  if (path && existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as JWK;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}`, alg: "RS256", use: "sig" };
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}
