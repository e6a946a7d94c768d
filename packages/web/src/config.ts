// Where the backend is. The all-in-one serves config.json next to index.html; a deployment writes
// its own. Relative to the page, so the build works under any path.
export interface WebConfig {
  issuer: string;
  clientId: string;
  // Resource indicator of the chat API at the issuer (RFC 8707); omitted if the issuer has none.
  resource?: string;
  // Chat management API base URL ("" = same origin as the page).
  apiUrl: string;
  wsUrl: string;
}

export async function loadConfig(): Promise<WebConfig> {
  const res = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  return parseConfig(await res.json());
}

export function parseConfig(raw: unknown): WebConfig {
  const o = (raw ?? {}) as Record<string, unknown>;
  const str = (k: string, required = true): string | undefined => {
    const v = o[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string") throw new Error(`config.json: "${k}" must be a string`);
    return v;
  };
  return { issuer: str("issuer")!, clientId: str("clientId")!, resource: str("resource", false), apiUrl: str("apiUrl")!, wsUrl: str("wsUrl")! };
}
