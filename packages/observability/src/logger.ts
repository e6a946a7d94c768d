import { pino, type DestinationStream, type Logger } from "pino";
import { currentRequestId } from "./request-id";
import { activeTraceIds } from "./tracing";

export type { Logger, DestinationStream };

// JSON logs with the service name on every line, the active span's trace_id / span_id so a
// line can be joined to its trace, and the id of the API request being served (request-id.ts). Tokens, secrets and message bodies never reach a log: the
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
    mixin: () => {
      const ids: Record<string, string> = activeTraceIds() ?? {};
      const requestId = currentRequestId();
      return requestId ? { ...ids, requestId } : ids;
    },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
