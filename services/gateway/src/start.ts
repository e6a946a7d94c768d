import type { Config } from "@chat/config";
import { GrpcRpcHost } from "@chat/rpc";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import { createPresence, createStore, createVerifier } from "@chat/wiring";
import { startGateway } from "./index";

// Runs the gateway service on its own: adapters chosen by `config` (see @chat/wiring), closed again
// by stop(). The all-in-one process calls startGateway with shared adapters instead.
export async function start(config: Config, runtime: { logger?: Logger; metrics?: Registry } = {}): Promise<{ stop(): Promise<void> }> {
  const logger = runtime.logger ?? createLogger("gateway", config.logLevel);
  const metrics = runtime.metrics ?? createMetricsRegistry("gateway");
  const [store, presence, verifier] = await Promise.all([createStore(config, logger), createPresence(config, logger), createVerifier(config)]);
  const gateway = await startGateway(config, {
    store,
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
      await Promise.all([store.close(), presence.close()]);
    },
  };
}
