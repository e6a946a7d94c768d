import type { Config } from "@chat/config";
import { createEventLog, createStore, createVerifier } from "@chat/wiring";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import { startChatMgmt } from "./index";

// Runs the chatmgmt service on its own: adapters chosen by `config` (see @chat/wiring), closed again
// by stop(). The all-in-one process calls startChatMgmt with shared adapters instead.
export async function start(config: Config, runtime: { logger?: Logger; metrics?: Registry } = {}): Promise<{ stop(): Promise<void> }> {
  const logger = runtime.logger ?? createLogger("chatmgmt", config.logLevel);
  const metrics = runtime.metrics ?? createMetricsRegistry("chatmgmt");
  const [store, eventLog, verifier] = await Promise.all([createStore(config, logger, metrics), createEventLog(config, logger, metrics), createVerifier(config)]);
  const chatmgmt = await startChatMgmt(config, { store, eventLog, verifier, logger, metrics });
  return {
    async stop() {
      await chatmgmt.stop();
      await Promise.all([eventLog.close(), store.close()]);
    },
  };
}
