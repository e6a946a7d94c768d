import * as oidc from "openid-client";
import { discoverIssuer } from "../auth/issuer";
import type { Context } from "../context";

export async function runLogout(ctx: Context): Promise<void> {
  let session;
  try {
    session = ctx.store.read();
  } catch {
    session = undefined; // unreadable: removing it is all logout can do
  }
  // Best effort: revoke the refresh token so a copy of the file is useless. Logging out still
  // succeeds when the issuer is gone (the all-in-one is stopped, say).
  if (session?.refreshToken) {
    try {
      const config = await discoverIssuer(session.issuer, session.clientId);
      if (config.serverMetadata().revocation_endpoint) await oidc.tokenRevocation(config, session.refreshToken, { token_type_hint: "refresh_token" });
    } catch {
      // ignored, see above
    }
  }
  const had = ctx.store.remove();
  ctx.io.err(had ? `Logged out${session ? ` (${session.user})` : ""}.` : "Not logged in.");
}
