import type { Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import { GrpcRpcHost } from "@chat/rpc";
import type { Store } from "@chat/store";
import { createEventLog, createStore, probeAll, startOpsServer } from "@chat/wiring";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import { startIngest } from "./index";

// Runs the ingest service on its own: adapters chosen by `config` (see @chat/wiring), closed again
// by stop(). The all-in-one process calls startIngest with shared adapters instead.
export async function start(config: Config, runtime: { logger?: Logger; metrics?: Registry; adapters?: { store?: Store; eventLog?: EventLog } } = {}): Promise<{ stop(): Promise<void> }> {
  const logger = runtime.logger ?? createLogger("ingest", config.logLevel);
  const metrics = runtime.metrics ?? createMetricsRegistry("ingest");
  // adapters: given ones replace the configured ones (tests inject unhealthy adapters).
  const [store, eventLog] = await Promise.all([runtime.adapters?.store ?? createStore(config, logger, metrics), runtime.adapters?.eventLog ?? createEventLog(config, logger, metrics)]);
  const ingest = await startIngest(config, { store, eventLog, rpc: new GrpcRpcHost(config.host, config.serviceSecret), logger, metrics });
  const ops = await startOpsServer({
    onError: (err) => logger.error({ err }, "ops HTTP request failed"),
    host: config.host,
    port: config.ingest.httpPort,
    metrics,
    ready: () => probeAll({ store: () => store.ping(), event_log: () => eventLog.ping() }),
  });
  return {
    async stop() {
      await ingest.stop();
      await ops.close();
      await Promise.all([eventLog.close(), store.close()]);
    },
  };
}
