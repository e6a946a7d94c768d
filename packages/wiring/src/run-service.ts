import { loadConfigFromSources, ConfigError, type Config, type LoadOptions } from "@chat/config";
import { createLogger, createMetricsRegistry, startTracing, type Logger, type Registry } from "@chat/observability";

export interface ServiceRuntime {
  config: Config;
  logger: Logger;
  metrics: Registry;
}

// Entry point shared by every service's CLI: config loaded and validated once, one logger,
// one metrics registry, and a graceful stop on SIGTERM/SIGINT bounded by the drain timeout.
// A service started here runs on its own, so the standalone configuration rules apply (a
// service secret must be set, ...); one-shot tools that serve nothing pass `{}`.
export async function runService(
  name: string,
  start: (rt: ServiceRuntime) => Promise<{ stop(): Promise<void> }>,
  loadOptions: LoadOptions = { standalone: name },
): Promise<void> {
  let config: Config;
  try {
    config = await loadConfigFromSources(process.env, loadOptions);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${name}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // Before anything that makes spans; "auto" means on for a standalone service.
  const tracing = startTracing({ serviceName: name, enabled: config.tracing.mode !== "off", otlpEndpoint: config.tracing.otlpEndpoint, sampleRatio: config.tracing.sampleRatio });
  const logger = createLogger(name, config.logLevel);
  const metrics = createMetricsRegistry(name);
  let running: { stop(): Promise<void> };
  try {
    running = await start({ config, logger, metrics });
  } catch (err) {
    logger.fatal({ err }, "failed to start");
    process.exit(1);
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    const hardStop = setTimeout(() => {
      logger.error("drain timed out");
      process.exit(1);
    }, config.limits.drainTimeoutMs + 5000);
    hardStop.unref();
    try {
      await running.stop();
      await tracing.shutdown();
      logger.info("stopped");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "stop failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
