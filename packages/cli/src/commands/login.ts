import { login } from "../auth/login";
import { DEFAULTS } from "../defaults";
import { CliError, EXIT } from "../exit-codes";
import type { Context } from "../context";

export async function runLogin(ctx: Context, o: { issuer: string; api: string; ws: string; clientId: string; port: number; timeout: number }): Promise<void> {
  const api = URL.parse(o.api);
  if (!api || !/^https?:$/.test(api.protocol)) throw new CliError(EXIT.usage, `--api must be an http(s) URL, got ${JSON.stringify(o.api)}`);
  const ws = URL.parse(o.ws);
  if (!ws || !/^wss?:$/.test(ws.protocol)) throw new CliError(EXIT.usage, `--ws must be a ws(s) URL, got ${JSON.stringify(o.ws)}`);
  const session = await login({
    issuer: o.issuer.replace(/\/+$/, ""),
    apiUrl: o.api.replace(/\/+$/, ""),
    wsUrl: o.ws,
    clientId: o.clientId,
    resource: DEFAULTS.resource,
    port: o.port,
    timeoutMs: o.timeout * 1000,
    show: (url) => {
      ctx.io.err("Open this URL in a browser to log in:");
      // Alone on stdout, so a script can pick it up.
      ctx.io.out(url);
      ctx.io.err("Waiting for the browser to come back…");
    },
  });
  ctx.store.write(session);
  ctx.io.err(`Logged in as ${session.user} (tokens in ${ctx.store.path})`);
}
