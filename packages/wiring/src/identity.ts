import type { Config } from "@chat/config";
import { createOidcVerifier, type TokenVerifier } from "@chat/identity";

export async function createVerifier(config: Config, issuerOverride?: string): Promise<TokenVerifier> {
  const issuer = issuerOverride ?? config.identity.issuer;
  if (!issuer) throw new Error("CHAT_OIDC_ISSUER is required outside all-in-one mode");
  return createOidcVerifier({
    issuer,
    audience: config.identity.audience,
    algorithms: config.identity.algorithms,
    allowHttp: config.identity.allowHttp || issuerOverride !== undefined,
  });
}
