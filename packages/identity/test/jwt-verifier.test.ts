import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { createJwtVerifier, type TokenVerifier } from "../src/verifier";

// A real JWKS endpoint over HTTP whose key set the test rotates.
let server: Server;
let published: JWK[] = [];
const ISS = "https://issuer.test";
const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};

async function makeKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  keys[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

function sign(kid: string, opts: { exp?: number; nbf?: number; iss?: string; aud?: string; sub?: string | null } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: "RS256", kid }).setIssuer(opts.iss ?? ISS).setAudience(opts.aud ?? "chat-api").setExpirationTime(opts.exp ?? now + 600);
  if (opts.sub !== null) jwt.setSubject(opts.sub ?? "alice");
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(keys[kid].privateKey);
}

let verifier: TokenVerifier;
beforeAll(async () => {
  await makeKey("k1");
  await makeKey("k2");
  await makeKey("rogue");
  published = [keys.k1.jwk];
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
  // "none" on the allow-list must still never be accepted.
  verifier = createJwtVerifier({ issuer: ISS, audience: "chat-api", algorithms: ["RS256", "none"], keys: createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 }) });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string }) => e.code);

test("a valid token yields the subject and expiry", async () => {
  const id = await verifier.verify(await sign("k1"));
  expect(id.userId).toBe("alice");
  expect(id.expiresAtMs).toBeGreaterThan(Date.now());
});

test("key rotation: a token with a new kid verifies once the issuer publishes that key; a retired key stops working", async () => {
  expect(await codeOf(verifier.verify(await sign("k2")))).toBe("unauthenticated");
  published = [keys.k1.jwk, keys.k2.jwk];
  expect((await verifier.verify(await sign("k2"))).userId).toBe("alice");
  published = [keys.k2.jwk];
  // An unknown kid makes the verifier refetch the set, which no longer has k1.
  expect(await codeOf(verifier.verify(await sign("rogue")))).toBe("unauthenticated");
  expect(await codeOf(verifier.verify(await sign("k1")))).toBe("unauthenticated");
  expect((await verifier.verify(await sign("k2"))).userId).toBe("alice");
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

test.each<[string, string, () => Promise<string>]>([
  ["expired", "token_expired", () => sign("k2", { exp: now() - 60 })],
  ["not yet valid (nbf in the future)", "unauthenticated", () => sign("k2", { nbf: now() + 600 })],
  ["wrong issuer", "unauthenticated", () => sign("k2", { iss: "https://evil.test" })],
  ["wrong audience", "unauthenticated", () => sign("k2", { aud: "other-api" })],
  ["no subject", "unauthenticated", () => sign("k2", { sub: null })],
  ["signed by an unpublished key under a published kid", "unauthenticated", () => new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k2" }).setIssuer(ISS).setAudience("chat-api").setSubject("alice").setExpirationTime("10m").sign(keys.rogue.privateKey)],
  ["alg none", "unauthenticated", async () => `${b64({ alg: "none", kid: "k2" })}.${b64({ sub: "alice", iss: ISS, aud: "chat-api", exp: now() + 600 })}.`],
  ["HS256 signed with the public key as the secret (algorithm confusion)", "unauthenticated", () =>
      new SignJWT({})
        .setProtectedHeader({ alg: "HS256", kid: "k2" })
        .setIssuer(ISS)
        .setAudience("chat-api")
        .setSubject("alice")
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(JSON.stringify(keys.k2.jwk)))],
  ["garbage", "unauthenticated", async () => "a.b.c"],
  ["empty", "unauthenticated", async () => ""],
  ["oversized", "unauthenticated", async () => "x".repeat(10_000)],
])("%s → %s", async (_name, code, make) => {
  expect(await codeOf(verifier.verify(await make()))).toBe(code);
});

// The subject becomes the user id everywhere: outside the id rule it is refused at the door.
test.each([
  ["a path", "../x"],
  ["300 characters", "a".repeat(300)],
  ["a NUL", "ali\u0000ce"],
  ["a space", "alice smith"],
  ["a slash", "a/b"],
  ["only a dot-dot", ".."],
])("a validly signed token whose sub is %s is unauthenticated", async (_name, sub) => {
  const err = await verifier.verify(await sign("k2", { sub })).then(
    () => undefined,
    (e: { code?: string; details?: Record<string, unknown> }) => e,
  );
  expect(err).toMatchObject({ code: "unauthenticated", details: { reason: "invalid_subject" } });
});

test("a sub at the id length limit with every allowed character verifies", async () => {
  const sub = `Az09_-.:@${"x".repeat(119)}`;
  expect((await verifier.verify(await sign("k2", { sub }))).userId).toBe(sub);
});
