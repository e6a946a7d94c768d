import { constants, KeyObject, verify as cryptoVerify, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from "node:crypto";

// JWS signature verification with node:crypto instead of WebCrypto. jose 6 verifies through
// crypto.subtle, whose async job and promise cost ~100 µs per RS256 token on the event loop; a
// synchronous crypto.verify with a KeyObject costs a fraction of that (the gateway verifies one
// token per connect). Only the signature math moves here: the key still comes from jose's JWKS
// resolver as the CryptoKey jose imported for this alg, and the caller keeps jose's claim checks.

interface AlgSpec {
  // What the CryptoKey jose imported must be (jose's checkKeyType, for the algs served here).
  name: string;
  hash?: string;
  namedCurve?: string;
  // crypto.verify's digest (null for EdDSA) and key options.
  digest: string | null;
  options: Omit<VerifyKeyObjectInput, "key"> | Omit<VerifyPublicKeyInput, "key">;
}

const rsa = (bits: string): AlgSpec => ({ name: "RSASSA-PKCS1-v1_5", hash: `SHA-${bits}`, digest: `sha${bits}`, options: {} });
const pss = (bits: string): AlgSpec => ({
  name: "RSA-PSS",
  hash: `SHA-${bits}`,
  digest: `sha${bits}`,
  // jose (WebCrypto) uses a salt as long as the digest: the same as RSA_PSS_SALTLEN_DIGEST.
  options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
});
const ec = (bits: string, curve: string): AlgSpec => ({ name: "ECDSA", namedCurve: curve, digest: `sha${bits}`, options: { dsaEncoding: "ieee-p1363" } });

const ALGS: Record<string, AlgSpec> = {
  RS256: rsa("256"),
  RS384: rsa("384"),
  RS512: rsa("512"),
  PS256: pss("256"),
  PS384: pss("384"),
  PS512: pss("512"),
  ES256: ec("256", "P-256"),
  ES384: ec("384", "P-384"),
  ES512: ec("512", "P-521"),
  EdDSA: { name: "Ed25519", digest: null, options: {} },
  Ed25519: { name: "Ed25519", digest: null, options: {} },
};

// One KeyObject per CryptoKey (jose caches the CryptoKeys of a key set, so this stays small and
// goes with them).
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

export function servesAlg(alg: string): boolean {
  return Object.hasOwn(ALGS, alg);
}

// The KeyObject to verify `alg` with, or undefined when `key` is not a CryptoKey fit for it
// (wrong type, usage, algorithm, hash, curve, or an RSA modulus under 2048 bits): the caller then
// leaves the token to jose, which refuses such a key with its own error.
export function keyFor(alg: string, key: unknown): KeyObject | undefined {
  const spec = ALGS[alg];
  if (!spec || !(key instanceof CryptoKey) || key.type !== "public" || !key.usages.includes("verify")) return undefined;
  const a = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  if (a.name !== spec.name) return undefined;
  if (spec.hash !== undefined && a.hash?.name !== spec.hash) return undefined;
  if (spec.namedCurve !== undefined && a.namedCurve !== spec.namedCurve) return undefined;
  if (spec.name.startsWith("RSA") && !((a.modulusLength ?? 0) >= 2048)) return undefined;
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = KeyObject.from(key)));
  return k;
}

// True only for a valid signature; a malformed one (wrong length, not a point) is false, as
// WebCrypto's verify answers in jose.
export function signatureValid(alg: string, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const spec = ALGS[alg];
  try {
    return cryptoVerify(spec.digest, Buffer.from(signingInput, "latin1"), { key, ...spec.options }, signature);
  } catch {
    return false;
  }
}
