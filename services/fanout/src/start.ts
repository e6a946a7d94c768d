import type { Config } from "@chat/config";
import { GrpcRpcHost } from "@chat/rpc";
import { createEventLog, createPresence, createStore, startOpsServer } from "@chat/wiring";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import { startFanout } from "./index";

// Runs the fanout service on its own: adapters chosen by `config` (see @chat/wiring), closed again
// by stop(). The all-in-one process calls startFanout with shared adapters instead.
export async function start(config: Config, runtime: { logger?: Logger; metrics?: Registry } = {}): Promise<{ stop(): Promise<void> }> {
  const logger = runtime.logger ?? createLogger("fanout", config.logLevel);
  const metrics = runtime.metrics ?? createMetricsRegistry("fanout");
  const [store, eventLog, presence] = await Promise.all([createStore(config, logger), createEventLog(config, logger), createPresence(config, logger)]);
  const fanout = await startFanout(config, { store, eventLog, presence, rpc: new GrpcRpcHost(config.host, config.serviceSecret), logger, metrics });
  const ops = await startOpsServer({
    host: config.host,
    port: config.fanout.httpPort,
    metrics,
    ready: async () => {
      await Promise.all([store.ping(), presence.ping()]);
      // A consumer that stopped for good consumes nothing: let the orchestrator restart us.
      return { ready: fanout.subscription.healthy(), details: { consuming: fanout.subscription.healthy(), assignment: fanout.subscription.assignment(), gateways: fanout.dispatcher.breakerStates() } };
    },
  });
  return {
    async stop() {
      // Finish the in-flight batch and commit before leaving the group.
      await fanout.stop();
      await ops.close();
      await Promise.all([eventLog.close(), store.close(), presence.close()]);
    },
  };
}
