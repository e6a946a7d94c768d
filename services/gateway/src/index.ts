import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "@chat/config";
import { DEFAULT_LIMITS } from "@chat/domain";
import type { TokenVerifier } from "@chat/identity";
import { Gauge, type Logger, type Registry, DependencyHealth, probeAll } from "@chat/observability";
import type { Presence } from "@chat/presence";
import { GatewayDeliveryService, IngestService, type MembershipChange } from "@chat/proto";
import type { RpcHost } from "@chat/rpc";
import { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import { CLOSE, type ClientConnection } from "./connection/client-connection";
import { ConnectionRegistry } from "./connection/connection-registry";
import { runSession } from "./connection/session";
import { ExpirySweep } from "./connection/expiry-sweep";
import { TickCork } from "./connection/tick-cork";
import { deliveryApi } from "./delivery/delivery-api";
import { createFrameHandlers } from "./handlers/frame-handlers";
import { singleFlight } from "./health/single-flight";
import { startGatewayHttp } from "./http/gateway-http";
import { IngestClient } from "./ingest/ingest-client";
import { IpAdmission } from "./limits/ip-admission";
import { UserOperationLimiter, type OperationLimits } from "./limits/operation-limits";
import { createGatewayMetrics } from "./metrics/gateway-metrics";
import { PresenceAnnouncer } from "./presence/presence-announcer";

export interface GatewayDeps {
  store: Store;
  presence: Presence;
  verifier: TokenVerifier;
  rpc: RpcHost;
  // Address of ingest as the rpc host reaches it (inproc://ingest or http://host:port).
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
  // Logged when ingest turns unhealthy and when it is healthy again, once each: the red ⇄ yellow
  // probing cycle of a long outage is not news.
  const ingest = new IngestClient(deps.rpc.api(IngestService, deps.ingestAddress), limits.ingestDeadlineMs, limits.ingestBreaker, (to, from) => {
    if (from === "green") log.warn({ dependency: "ingest", breaker: to }, "ingest is failing: circuit opened, sends fail fast");
    else if (to === "green") log.warn({ dependency: "ingest", breaker: to }, "ingest answers again: circuit closed");
  }, limits.ingestBatchMaxSends);
  const router = new FrameRouter(deps.presence, (address) => deps.rpc.api(GatewayDeliveryService, address));
  const registry = new ConnectionRegistry<ClientConnection>(deps.presence, id, limits.presenceTtlMs);
  const operations: OperationLimits = {
    send: { connection: { perSecond: limits.sendsPerSecond, burst: limits.sendBurst }, user: { perSecond: limits.userSendsPerSecond, burst: limits.userSendBurst } },
    ...limits.operations,
  };
  const userOps = new UserOperationLimiter(operations);
  const admission = new IpAdmission(limits.maxUnauthenticatedPerIp, limits.wsConnectRatePerIp);
  const presenceHealth = new DependencyHealth("presence", log);
  const cork = new TickCork();
  const handlers = createFrameHandlers({
    store: deps.store,
    ingest,
    router,
    presence: deps.presence,
    logger: log,
    limits: {
      maxBodyBytes: limits.maxBodyBytes,
      maxIdLength: DEFAULT_LIMITS.maxIdLength,
      syncDefaultLimit: limits.syncPageDefault,
      syncMaxLimit: limits.syncPageMax,
      presenceAnnounceMaxChats: limits.presenceAnnounceMaxChats,
      typingRelayIntervalMs: limits.typingRelayIntervalMs,
    },
  });
  const announcer = new PresenceAnnouncer(handlers.announcePresence, (err) => log.debug({ err }, "presence announce failed"));
  const onOwnMembership = (userId: string, chatId: string, change: MembershipChange) =>
    void handlers.ownMembershipChanged(userId, chatId, change).catch((err: unknown) => log.debug({ err }, "online index update failed"));

  const metrics = createGatewayMetrics(deps.metrics);
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

  const grpc = await deps.rpc.serveApi(`gateway-${id}`, GatewayDeliveryService, deliveryApi(registry, metrics), { port: config.gateway.grpcPort, internal: true });
  const grpcAddress = config.gateway.advertisedAddress ?? grpc.address;
  await deps.presence.registerGateway(id, grpcAddress, limits.presenceTtlMs);

  const expiry = new ExpirySweep<ClientConnection>();
  // Shared by every session: built once, not per connection.
  const sessionDeps = {
    verifier: deps.verifier,
    registry,
    handlers,
    userOps,
    announcer,
    onOwnMembership,
    cork,
    expiry,
    logger: log,
    limits: { ...limits, operations, syncMaxLimit: limits.syncPageMax },
    onFrame: (kind: string, outcome: "ok" | "error", code?: string, startedAt?: number) => metrics.frame(kind, outcome, code, startedAt),
  };

  let draining = false;
  const http = await startGatewayHttp({
    host: config.host,
    port: config.gateway.port,
    maxFrameBytes: limits.maxFrameBytes,
    metrics: deps.metrics,
    extraRoutes: deps.extraRoutes,
    onError: (err) => log.error({ err }, "gateway HTTP request failed"),
    admit: (req) => {
      if (draining) return undefined;
      const refused = admission.admit(peerIp(req), Date.now());
      if (refused) metrics.upgradeRefused(refused.code);
      return refused;
    },
    readiness: async () => {
      // Bounded by probeAll: a stalled Redis or store makes /ready answer "not ready", not hang it.
      const probed = await probeAll({ presence: () => deps.presence.ping(), store: () => deps.store.ping() });
      const checks: Record<string, string> = { ingest: ingest.breaker.state, ...probed.checks };
      const ready = !draining && probed.ready && checks.ingest !== "red";
      return { ready, checks };
    },
    onConnection: (ws, req) => {
      if (draining) {
        ws.close(CLOSE.goingAway, "server_shutdown");
        return;
      }
      runSession(ws, req, sessionDeps, admission.track(peerIp(req)));
    },
  });

  // Presence refresh: TTLs of all held routes plus this gateway's registration. Single-flight:
  // while Redis stalls, ticks are skipped rather than stacking refreshes on it.
  const refreshPresence = singleFlight(
    async () => {
      try {
        const [reRegistered] = await Promise.all([registry.refreshAll(), deps.presence.registerGateway(id, grpcAddress, limits.presenceTtlMs)]);
        if (reRegistered > 0) log.warn({ reRegistered }, "routes had expired (stalled heartbeat); registered again");
        presenceHealth.ok();
      } catch (err) {
        presenceHealth.failed(err);
      }
    },
    () => log.debug({}, "previous presence refresh still running; tick skipped"),
  );

  // After presence lost its connection (possibly its data: a Redis restart), everything this
  // gateway holds is written again at once; fanout drops pushes to users without routes.
  deps.presence.onReconnect(() => {
    void Promise.all([deps.presence.registerGateway(id, grpcAddress, limits.presenceTtlMs), registry.registerAll()])
      .then(([, routes]) => log.warn({ routes }, "presence reconnected; gateway and routes registered again"))
      .catch((err) => presenceHealth.failed(err));
  });

  // Heartbeats: protocol pings to every connection (closed after CHAT_MISSED_HEARTBEATS), then the
  // presence refresh.
  const heartbeat = setInterval(() => {
    for (const c of registry.all()) {
      if (!c.alive) {
        if (++c.missedHeartbeats >= limits.missedHeartbeats) {
          c.close(CLOSE.heartbeatTimeout, "heartbeat_timeout", `no pong for ${limits.missedHeartbeats} heartbeat interval(s)`, 0);
          continue;
        }
      } else {
        c.missedHeartbeats = 0;
      }
      c.alive = false;
      c.ping();
    }
    void refreshPresence();
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
      expiry.stop();
      for (const c of registry.all()) {
        c.close(CLOSE.goingAway, "server_shutdown", "gateway is shutting down; reconnect", 250 + Math.floor(Math.random() * 2000));
      }
      // Until the sockets are really closed (a closing connection leaves the registry at once).
      const deadline = Date.now() + limits.drainTimeoutMs;
      while (http.wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      handlers.stop();
      await deps.presence.unregisterGateway(id).catch(() => undefined);
      await grpc.close();
      await http.close();
    },
  };
}

function peerIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}
