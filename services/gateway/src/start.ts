import type { Config } from "@chat/config";
import { GrpcRpcHost } from "@chat/rpc";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import { createEventLog, createMembershipCache, createPresence, createStore, createVerifier, type CachedMembership } from "@chat/wiring";
import { startGateway } from "./index";

// Runs the gateway service on its own: adapters chosen by `config` (see @chat/wiring), closed again
// by stop(). The all-in-one process calls startGateway with shared adapters instead.
export async function start(config: Config, runtime: { logger?: Logger; metrics?: Registry } = {}): Promise<{ stop(): Promise<void> }> {
  const logger = runtime.logger ?? createLogger("gateway", config.logLevel);
  const metrics = runtime.metrics ?? createMetricsRegistry("gateway");
  const [store, presence, verifier] = await Promise.all([createStore(config, logger, metrics), createPresence(config, logger), createVerifier(config)]);
  // Membership checks, typing and receipt relays and presence contacts read members from a cache
  // invalidated by the membership events on Kafka (ADR 0027). An embedded event log in a process
  // of its own would never carry other processes' changes: no cache then.
  const eventLog = config.eventLog.kind === "kafka" && config.membershipCache.ttlMs > 0 ? await createEventLog(config, logger, metrics) : undefined;
  const membership: CachedMembership = eventLog ? createMembershipCache(config, { store, eventLog, logger, metrics, service: "gateway" }) : { store, writer: store, stop: async () => {} };
  const gateway = await startGateway(config, {
    store: membership.store,
    presence,
    verifier,
    rpc: new GrpcRpcHost(config.host, config.serviceSecret),
    ingestAddress: config.ingest.address,
    logger,
    metrics,
  });
  return {
    async stop() {
      await gateway.stop();
      await membership.stop();
      await Promise.all([store.close(), presence.close(), eventLog?.close()]);
    },
  };
}
