import { pino, type Logger } from "pino";

export type { Logger };

// JSON logs with the service name on every line; tokens and secrets never reach a log.
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: ["token", "accessToken", "access_token", "authorization", "*.authorization", "*.token", "*.accessToken", "secret", "*.secret"],
      censor: "[redacted]",
    },
  });
}
