import type { Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import type { Presence } from "@chat/presence";
import { GrpcRpcHost } from "@chat/rpc";
import type { Store } from "@chat/store";
import { createEventLog, createMembershipCache, createPresence, createStore, probeAll, startOpsServer, type CachedMembership } from "@chat/wiring";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import { startFanout } from "./index";

// Runs the fanout service on its own: adapters chosen by `config` (see @chat/wiring), closed again
// by stop(). The all-in-one process calls startFanout with shared adapters instead.
export async function start(config: Config, runtime: { logger?: Logger; metrics?: Registry; adapters?: { store?: Store; eventLog?: EventLog; presence?: Presence } } = {}): Promise<{ stop(): Promise<void> }> {
  const logger = runtime.logger ?? createLogger("fanout", config.logLevel);
  const metrics = runtime.metrics ?? createMetricsRegistry("fanout");
  // adapters: given ones replace the configured ones (tests inject unhealthy adapters).
  const [store, eventLog, presence] = await Promise.all([
    runtime.adapters?.store ?? createStore(config, logger, metrics),
    runtime.adapters?.eventLog ?? createEventLog(config, logger, metrics),
    runtime.adapters?.presence ?? createPresence(config, logger),
  ]);
  // Members per chat per batch from memory, not a store query each (ADR 0027). Only when the
  // event log is Kafka: an embedded one in a process of its own carries no other process's changes.
  const membership: CachedMembership = config.eventLog.kind === "kafka" ? createMembershipCache(config, { store, eventLog, logger, metrics, service: "fanout" }) : { store, writer: store, stop: async () => {} };
  const fanout = await startFanout(config, {
    store: membership.store,
    eventLog,
    presence,
    rpc: new GrpcRpcHost(config.host, config.serviceSecret),
    logger,
    metrics,
    ...(membership.invalidator ? { membershipEvents: membership.invalidator } : {}),
    ...(membership.memberIds ? { memberIds: membership.memberIds } : {}),
  });
  const ops = await startOpsServer({
    onError: (err) => logger.error({ err }, "ops HTTP request failed"),
    host: config.host,
    port: config.fanout.httpPort,
    metrics,
    ready: async () => ({
      // A consumer that stopped for good consumes nothing: let the orchestrator restart us.
      ...(await probeAll({ consumer: () => fanout.subscription.healthy(), presence: () => presence.ping(), store: () => store.ping() })),
      details: { assignment: fanout.subscription.assignment(), gateways: fanout.dispatcher.breakerStates() },
    }),
  });
  return {
    async stop() {
      // Finish the in-flight batch and commit before leaving the group.
      await fanout.stop();
      await membership.stop();
      await ops.close();
      await Promise.all([eventLog.close(), store.close(), presence.close()]);
    },
  };
}
