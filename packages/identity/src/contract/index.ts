import { generateKeyPair, SignJWT } from "jose";
import type { TokenVerifier } from "../verifier";

export interface IdentitySubject {
  verifier: TokenVerifier;
  issuer: string;
  audience: string;
  // Asks the issuer under test for an access token (its own signing key).
  mint(sub: string, opts?: { expiresInSec?: number; notBeforeSec?: number; audience?: string }): Promise<string>;
  cleanup(): Promise<void>;
}

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string; message?: string }) => e.code ?? e.message ?? "rejected");

// The identity port's contract: whatever the issuer, a verifier accepts exactly the tokens it
// issued for this API and still valid, and maps failures to stable codes.
export function describeIdentityContract(name: string, factory: () => Promise<IdentitySubject>): void {
  describe(`identity contract: ${name}`, () => {
    let s: IdentitySubject;
    beforeAll(async () => {
      s = await factory();
    });
    afterAll(async () => {
      await s.cleanup();
    });

    test("a token the issuer minted for this audience verifies to its subject", async () => {
      const identity = await s.verifier.verify(await s.mint("user-1"));
      expect(identity.userId).toBe("user-1");
      expect(identity.expiresAtMs).toBeGreaterThan(Date.now());
      expect(identity.claims.iss).toBe(s.issuer);
    });

    test("an expired token is token_expired", async () => {
      expect(await codeOf(s.verifier.verify(await s.mint("user-1", { expiresInSec: -60 })))).toBe("token_expired");
    });

    test("a token not valid yet is unauthenticated", async () => {
      expect(await codeOf(s.verifier.verify(await s.mint("user-1", { notBeforeSec: 600 })))).toBe("unauthenticated");
    });

    test("a token for another audience is unauthenticated", async () => {
      expect(await codeOf(s.verifier.verify(await s.mint("user-1", { audience: `${s.audience}-other` })))).toBe("unauthenticated");
    });

    test("a token signed by a key the issuer does not publish is unauthenticated", async () => {
      const { privateKey } = await generateKeyPair("RS256");
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: "not-published" })
        .setIssuer(s.issuer)
        .setAudience(s.audience)
        .setSubject("user-1")
        .setExpirationTime("10m")
        .sign(privateKey);
      expect(await codeOf(s.verifier.verify(forged))).toBe("unauthenticated");
    });

    test("a token with a payload changed after signing is unauthenticated", async () => {
      const [h, p, sig] = (await s.mint("user-1")).split(".");
      const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
      const tampered = Buffer.from(JSON.stringify({ ...claims, sub: "admin" })).toString("base64url");
      expect(await codeOf(s.verifier.verify(`${h}.${tampered}.${sig}`))).toBe("unauthenticated");
    });
  });
}
