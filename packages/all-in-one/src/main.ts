import { ConfigError } from "@chat/config";
import { startAllInOne } from "./all-in-one";

let app;
try {
  app = await startAllInOne();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
const { config, issuer, gateway, chatmgmt } = app;
const h = config.host;
process.stdout.write(
  [
    "",
    "chat backend (all-in-one) is up",
    `  Web page    ${app.webUrl}   (log in as any name; open it in two windows to chat)`,
    `  WebSocket   ws://${h}:${gateway.port}/ws/v1`,
    `  REST API    http://${h}:${chatmgmt.port}/api/v1   (OpenAPI: /api/v1/openapi.json; also Connect JSON)`,
    `  gRPC API    ${h}:${chatmgmt.grpcPort}   (messaging.v1.ChatMgmtService)`,
    `  OIDC issuer ${issuer}${app.devIssuer ? `  (a token for scripts: curl -s ${issuer}/dev/token -d sub=alice)` : ""}`,
    `  Data        ${config.store.kind === "embedded" ? config.store.dataDir : config.store.kind}`,
    `  Health      http://${h}:${gateway.port}/ready   Metrics http://${h}:${gateway.port}/metrics`,
    "",
  ].join("\n") + "\n",
);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), config.limits.drainTimeoutMs + 5000).unref();
  await app.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
