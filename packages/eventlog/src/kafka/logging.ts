import { logLevel, type logCreator } from "kafkajs";

// The subset of pino's Logger the adapter needs, so callers can pass their service logger
// without this package depending on @chat/observability.
export interface EventLogLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

// Without a logger, warnings and errors still reach stderr: a crashed consumer must not be silent.
export const stderrLogger: EventLogLogger = {
  debug() {},
  info() {},
  warn: (fields, message) => process.stderr.write(`${JSON.stringify({ level: "warn", message, ...fields })}\n`),
  error: (fields, message) => process.stderr.write(`${JSON.stringify({ level: "error", message, ...fields })}\n`),
};

// Routes kafkajs' own log lines (group joins, crashes, restarts) to our logger.
export function kafkajsLogCreator(logger: EventLogLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      const entry = { component: "kafkajs", namespace, ...fields };
      const effective = expectedNoise(namespace, message) ?? level;
      if (effective === logLevel.ERROR) logger.error(entry, message);
      else if (effective === logLevel.WARN) logger.warn(entry, message);
      else if (effective === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}

function expectedNoise(namespace: string, message: string): logLevel | undefined {
  // kafkajs logs every error response at ERROR, also the ones it handles itself (a group
  // rebalancing, a coordinator still loading). Failures that matter surface anyway: as a
  // rejected call, a handler warning or a consumer crash.
  if (namespace === "Connection" && message.startsWith("Response ")) return logLevel.DEBUG;
  // Bounding the idempotent producer's retries is deliberate (see settings.ts).
  if (message.startsWith("Limiting retries for the idempotent producer")) return logLevel.INFO;
  return undefined;
}
