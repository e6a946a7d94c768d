import * as oidc from "openid-client";
import { CliError, EXIT } from "../exit-codes";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

// Plain http is accepted for an issuer on this machine (the all-in-one's development issuer)
// and nowhere else: the tokens would cross the network in clear.
export function checkIssuerUrl(issuer: string): URL {
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) throw new CliError(EXIT.usage, `issuer must be an http(s) URL, got ${JSON.stringify(issuer)}`);
  if (url.protocol === "http:" && !LOOPBACK.has(url.hostname)) throw new CliError(EXIT.usage, `issuer ${issuer} uses plain http on a non-loopback host; use https`);
  return url;
}

export async function discoverIssuer(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const url = checkIssuerUrl(issuer);
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), url.protocol === "http:" ? { execute: [oidc.allowInsecureRequests] } : undefined);
  } catch (e) {
    throw new CliError(EXIT.unavailable, `cannot reach the issuer ${issuer}: ${describe(e)}`);
  }
}

export function describe(e: unknown): string {
  if (e instanceof oidc.ResponseBodyError) return `${e.error}${e.error_description ? `: ${e.error_description}` : ""}`;
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
