import { pino, type DestinationStream, type Logger } from "pino";
import { activeTraceIds } from "./tracing";

export type { Logger, DestinationStream };

// JSON logs with the service name on every line, and the active span's trace_id / span_id so a
// line can be joined to its trace. Tokens, secrets and message bodies never reach a log: the
// code logs ids, never frames or requests, and these paths are redacted as a second line.
export const REDACT_PATHS = [
  "token",
  "accessToken",
  "access_token",
  "authorization",
  "*.authorization",
  "*.token",
  "*.accessToken",
  "*.access_token",
  "secret",
  "*.secret",
  "body",
  "*.body",
  "*.*.body",
  "headers.authorization",
  "req.headers.authorization",
];

export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service },
    mixin: () => activeTraceIds() ?? {},
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
