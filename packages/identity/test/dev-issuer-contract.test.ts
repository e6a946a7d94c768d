import { describeIdentityContract } from "../src/contract";
import { startDevIssuer } from "../src/dev-issuer";
import { createOidcVerifier } from "../src/verifier";

// The embedded identity adapter: the development issuer, verified exactly as a real issuer is
// (OIDC discovery with openid-client, then its JWKS).
describeIdentityContract("dev issuer via OIDC discovery", async () => {
  const issuer = await startDevIssuer({ host: "127.0.0.1", port: 0, audience: "chat-api" });
  const verifier = await createOidcVerifier({ issuer: issuer.issuer, audience: "chat-api", algorithms: ["RS256"], allowHttp: true });
  return { verifier, issuer: issuer.issuer, audience: "chat-api", mint: (sub, opts) => issuer.mintAccessToken(sub, opts), cleanup: () => issuer.close() };
});
