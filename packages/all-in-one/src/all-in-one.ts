import { join } from "node:path";
import { startChatMgmt, type RunningChatMgmt } from "@chat/chatmgmt";
import { ConfigError, loadConfig, type Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import { DEV_CLIENTS, DEV_RESOURCE, startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";
import { startFanout } from "@chat/fanout";
import { startGateway, type RunningGateway } from "@chat/gateway";
import { startIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry, startTracing, type DestinationStream, type Logger } from "@chat/observability";
import type { SpanExporter } from "@chat/observability";
import { InProcessRpcHost } from "@chat/rpc";
import { createEventLog, createMembershipCache, createPresence, createStore, createVerifier } from "@chat/wiring";
import { hasWebBuild, WEB_PATH, webAppRoutes } from "./web-app";

export interface AllInOne {
  config: Config;
  issuer: string;
  devIssuer?: DevIssuer;
  gateway: RunningGateway;
  chatmgmt: RunningChatMgmt;
  // The web page, on the chat management port.
  webUrl: string;
  // The event log the services share (inspection and fault injection in tests).
  eventLog: EventLog;
  logger: Logger;
  stop(): Promise<void>;
}

// All four services in one process, wired to embedded stand-ins (unless the configuration
// names real ones) and calling each other's internal ports directly (ADR 0030: no encoding,
// no Connect stack).
// Tests may capture logs and spans.
export interface AllInOneRuntime {
  logDestination?: DestinationStream;
  spanExporter?: SpanExporter;
}

export async function startAllInOne(overrides: Record<string, string> = {}, env: Record<string, string | undefined> = process.env, runtime: AllInOneRuntime = {}): Promise<AllInOne> {
  const config = loadConfig(env, overrides);
  // A configured page directory without a page is a deployment mistake: say so at start, not
  // with a 503 on the first visit.
  if (config.webDir !== undefined && !hasWebBuild(config.webDir)) {
    throw new ConfigError([`CHAT_WEB_DIR: ${config.webDir} holds no index.html (the web page's build: make web, packages/web/dist)`]);
  }
  // "auto" is off here: a developer's single process has no collector and pays nothing.
  const tracing = startTracing({ serviceName: "chat-all-in-one", enabled: config.tracing.mode === "on", otlpEndpoint: config.tracing.otlpEndpoint, sampleRatio: config.tracing.sampleRatio, exporter: runtime.spanExporter });
  const logger = createLogger("all-in-one", config.logLevel, runtime.logDestination);
  const metrics = createMetricsRegistry("all-in-one");

  // The development issuer runs unless a real one is configured.
  const devIssuer = config.identity.issuer
    ? undefined
    : await startDevIssuer({ host: config.host, port: config.identity.devIssuerPort, audience: config.identity.audience, keyPath: join(config.store.dataDir, "..", "dev-issuer-key.json") });
  const issuer = config.identity.issuer ?? devIssuer!.issuer;

  const [store, eventLog, presence, verifier] = await Promise.all([
    createStore(config, logger),
    createEventLog(config, logger, metrics),
    createPresence(config, logger),
    createVerifier(config, devIssuer?.issuer),
  ]);
  const rpc = new InProcessRpcHost(config.serviceSecret);
  const child = (service: string) => createLogger(service, config.logLevel, runtime.logDestination);

  const ingest = await startIngest(config, { store, eventLog, rpc, logger: child("ingest"), metrics });
  // Members from memory for fanout and gateway (ADR 0034): chatmgmt's membership writes drop
  // the entries synchronously, the in-process event log's events do it again. After ingest,
  // which created the topics its invalidation reader subscribes to.
  const membership = createMembershipCache(config, { store, eventLog, logger: child("membership-cache"), metrics, service: "all-in-one" });
  let gatewayPort = 0;
  const web = webAppRoutes({
    dist: config.webDir,
    // Same origin for the API; the WebSocket on the host name the browser used, gateway port.
    config: (req) => ({
      issuer,
      clientId: DEV_CLIENTS.web,
      resource: devIssuer ? DEV_RESOURCE : undefined,
      apiUrl: "",
      wsUrl: `ws://${hostOf(req.headers.host) ?? config.host}:${gatewayPort}/ws/v1`,
    }),
  });
  const chatmgmt = await startChatMgmt(config, { store: membership.writer, eventLog, verifier, logger: child("chatmgmt"), metrics, httpRoutes: web });
  const fanout = await startFanout(config, { store: membership.store, eventLog, presence, rpc, logger: child("fanout"), metrics, ...(membership.invalidator ? { membershipEvents: membership.invalidator } : {}), ...(membership.memberIds ? { memberIds: membership.memberIds } : {}) });
  const gateway = await startGateway(config, {
    store: membership.store,
    presence,
    verifier,
    rpc,
    ingestAddress: ingest.address,
    logger: child("gateway"),
    metrics,
  });
  gatewayPort = gateway.port;

  return {
    config,
    issuer,
    devIssuer,
    gateway,
    chatmgmt,
    webUrl: `http://${config.host}:${chatmgmt.port}${WEB_PATH}`,
    eventLog,
    logger,
    async stop() {
      // Front to back: clients first, then the writers, then the consumers and the state.
      await gateway.stop();
      await chatmgmt.stop();
      await ingest.stop();
      await fanout.stop();
      await membership.stop();
      await Promise.all([eventLog.close(), presence.close()]);
      await store.close();
      await devIssuer?.close();
      await tracing.shutdown();
    },
  };
}

// "127.0.0.1:8081" → "127.0.0.1", "[::1]:8081" → "[::1]"; undefined if absent or odd.
function hostOf(header: string | undefined): string | undefined {
  const m = header?.match(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/);
  return m?.[1];
}
