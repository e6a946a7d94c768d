import type { ClientMetadata } from "oidc-provider";

export const DEV_RESOURCE = "urn:chat:api";
export const DEV_CLIENTS = { cli: "chat-cli", web: "chat-web" } as const;

// Where the all-in-one serves the web page (services/chatmgmt's HTTP port).
export const WEB_APP_PATH = "/app/";

const LOOPBACKS = ["127.0.0.1", "localhost", "[::1]"];

// Both clients are public (PKCE, no secret) and registered as "native": oidc-provider then
// accepts their loopback redirect URIs on ANY port (RFC 8252 §7.3). That is what the CLI's
// ephemeral listener needs, and it lets the web page work when the all-in-one runs on ephemeral
// ports (tests) or non-default ones. `webRedirectUris` adds exact URIs for other hosts.
export function devClients(webRedirectUris: string[] = []): ClientMetadata[] {
  const common = {
    application_type: "native",
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  } satisfies Partial<ClientMetadata>;
  return [
    { ...common, client_id: DEV_CLIENTS.cli, redirect_uris: LOOPBACKS.map((h) => `http://${h}/callback`) },
    { ...common, client_id: DEV_CLIENTS.web, redirect_uris: [...LOOPBACKS.map((h) => `http://${h}${WEB_APP_PATH}`), ...webRedirectUris] },
  ];
}

// The web page calls the token endpoint with fetch, so the issuer must allow its origin. Allowed:
// the origin of one of the client's redirect URIs, with any port on a loopback host (the same
// relaxation as the redirect URIs themselves).
export function originAllowed(origin: string, redirectUris: readonly string[]): boolean {
  const o = URL.parse(origin);
  if (!o) return false;
  return redirectUris.some((uri) => {
    const r = URL.parse(uri);
    if (!r) return false;
    if (r.origin === o.origin) return true;
    return r.protocol === "http:" && o.protocol === "http:" && LOOPBACKS.includes(r.hostname) && r.hostname === o.hostname;
  });
}
