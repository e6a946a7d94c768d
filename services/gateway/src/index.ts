import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "@chat/config";
import { DEFAULT_LIMITS, KeyedRateLimiter } from "@chat/domain";
import type { TokenVerifier } from "@chat/identity";
import { Counter, Gauge, type Logger, type Registry } from "@chat/observability";
import type { Presence } from "@chat/presence";
import { serviceCredentialClient, type RpcHost } from "@chat/rpc";
import { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import { CLOSE } from "./connection/client-connection";
import { ConnectionRegistry } from "./connection/connection-registry";
import { runSession } from "./connection/session";
import { deliveryRoutes } from "./delivery/delivery-routes";
import { createFrameHandlers } from "./handlers/frame-handlers";
import { startGatewayHttp } from "./http/gateway-http";
import { IngestClient } from "./ingest/ingest-client";

export interface GatewayDeps {
  store: Store;
  presence: Presence;
  verifier: TokenVerifier;
  rpc: RpcHost;
  // Address of ingest as the rpc host dials it (inproc://ingest or http://host:port).
  ingestAddress: string;
  logger: Logger;
  metrics: Registry;
  // Extra HTTP routes on the client port (the all-in-one web page and issuer hints).
  extraRoutes?(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface RunningGateway {
  id: string;
  port: number;
  grpcAddress: string;
  connections(): number;
  stop(): Promise<void>;
}

export async function startGateway(config: Config, deps: GatewayDeps): Promise<RunningGateway> {
  const id = config.gateway.id ?? `gw-${randomUUID().slice(0, 8)}`;
  const log = deps.logger.child({ gatewayId: id });
  const limits = config.limits;
  const credential = serviceCredentialClient(config.serviceSecret);
  const ingest = new IngestClient(deps.rpc.transports.forAddress(deps.ingestAddress, [credential]), limits.ingestDeadlineMs);
  const router = new FrameRouter(deps.presence, deps.rpc.transports, [credential]);
  const registry = new ConnectionRegistry(deps.presence, id, limits.presenceTtlMs);
  const handlers = createFrameHandlers({
    store: deps.store,
    ingest,
    router,
    userSends: new KeyedRateLimiter(limits.userSendsPerSecond, limits.userSendBurst),
    limits: { maxBodyBytes: limits.maxBodyBytes, maxIdLength: DEFAULT_LIMITS.maxIdLength, syncDefaultLimit: DEFAULT_LIMITS.syncDefaultLimit, syncMaxLimit: DEFAULT_LIMITS.syncMaxLimit },
  });

  const frames = new Counter({ name: "gateway_frames_total", help: "Client frames handled", labelNames: ["kind", "outcome"], registers: [deps.metrics] });
  const pushed = new Counter({ name: "gateway_deliveries_total", help: "Frames pushed by Deliver, by kind", labelNames: ["kind"], registers: [deps.metrics] });
  new Gauge({
    name: "gateway_connections_active",
    help: "Authenticated WebSocket connections held",
    registers: [deps.metrics],
    collect() {
      this.set(registry.size);
    },
  });
  new Gauge({
    name: "gateway_ingest_health",
    help: "Circuit breaker towards ingest: 0 green (closed), 1 yellow (half-open), 2 red (open)",
    registers: [deps.metrics],
    collect() {
      this.set({ green: 0, yellow: 1, red: 2 }[ingest.breaker.state]);
    },
  });

  const grpc = await deps.rpc.serve(`gateway-${id}`, deliveryRoutes(registry, pushed), { port: config.gateway.grpcPort, internal: true });
  const grpcAddress = config.gateway.advertisedAddress ?? grpc.address;
  await deps.presence.registerGateway(id, grpcAddress, limits.presenceTtlMs);

  let draining = false;
  const http = await startGatewayHttp({
    host: config.host,
    port: config.gateway.port,
    maxFrameBytes: limits.maxFrameBytes,
    metrics: deps.metrics,
    extraRoutes: deps.extraRoutes,
    readiness: async () => {
      const checks: Record<string, string> = { ingest: ingest.breaker.state };
      const probe = async (name: string, f: () => Promise<void>) => {
        try {
          await f();
          checks[name] = "ok";
        } catch {
          checks[name] = "unreachable";
        }
      };
      await Promise.all([probe("presence", () => deps.presence.ping()), probe("store", () => deps.store.ping())]);
      const ready = !draining && checks.presence === "ok" && checks.store === "ok" && checks.ingest !== "red";
      return { ready, checks };
    },
    onConnection: (ws, req) => {
      if (draining) {
        ws.close(CLOSE.goingAway, "server_shutdown");
        return;
      }
      runSession(ws, req, {
        verifier: deps.verifier,
        registry,
        handlers,
        logger: log,
        limits: { ...limits, syncMaxLimit: DEFAULT_LIMITS.syncMaxLimit },
        onFrame: (kind, outcome) => frames.inc({ kind, outcome }),
      });
    },
  });

  // Heartbeats: protocol pings to every connection (closed after two missed), and presence
  // TTL refresh for all held routes plus this gateway's registration.
  const heartbeat = setInterval(() => {
    for (const c of registry.all()) {
      if (!c.alive) {
        if (++c.missedHeartbeats >= DEFAULT_LIMITS.missedHeartbeatsBeforeClose) {
          c.close(CLOSE.heartbeatTimeout, "heartbeat_timeout", "no pong for two heartbeat intervals", 0);
          continue;
        }
      } else {
        c.missedHeartbeats = 0;
      }
      c.alive = false;
      c.ping();
    }
    void Promise.all([
      registry.refreshAll().then((n) => n > 0 && log.warn({ reRegistered: n }, "routes had expired (stalled heartbeat); registered again")),
      deps.presence.registerGateway(id, grpcAddress, limits.presenceTtlMs),
    ]).catch((err) => log.warn({ err }, "presence refresh failed"));
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();

  log.info({ port: http.port, grpc: grpcAddress }, "gateway ready");
  return {
    id,
    port: http.port,
    grpcAddress,
    connections: () => registry.size,
    async stop() {
      // Graceful drain: refuse new connections, tell every client to reconnect elsewhere (with
      // jitter so they do not stampede the other replicas), then release routes.
      draining = true;
      clearInterval(heartbeat);
      for (const c of registry.all()) {
        c.close(CLOSE.goingAway, "server_shutdown", "gateway is shutting down; reconnect", 250 + Math.floor(Math.random() * 2000));
      }
      const deadline = Date.now() + limits.drainTimeoutMs;
      while (registry.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await deps.presence.unregisterGateway(id).catch(() => undefined);
      await grpc.close();
      await http.close();
    },
  };
}
