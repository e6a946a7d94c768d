// The development OIDC issuer as a process of its own, for distributed mode on one machine and
// for compose (all-in-one starts it in process). Development only: any user name logs in.
//
//   CHAT_HOST=127.0.0.1 CHAT_DEV_ISSUER_PORT=4400 node --import tsx packages/wiring/src/dev-issuer-cli.ts
//
// CHAT_OIDC_ISSUER, when set, is the public URL the issuer presents (the one every service is
// configured with): a container binds 0.0.0.0 but is reached as http://dev-issuer:4400.
import { startDevIssuer } from "@chat/identity/dev-issuer";
import { runService } from "./run-service";

await runService("dev-issuer", async ({ config, logger }) => {
  const issuer = await startDevIssuer({
    host: config.host,
    port: config.identity.devIssuerPort,
    audience: config.identity.audience,
    issuerUrl: config.identity.issuer,
  });
  logger.info({ issuer: issuer.issuer }, "development OIDC issuer listening");
  return { stop: () => issuer.close() };
  // Serves no internal RPC, so it needs no service secret.
}, {});
