import type { ErrorCode } from "./codes";

// The single error type domain and service code throws; transports map `code` to their own
// status (see @chat/rpc error mapping and the gateway's error frame).
export class ChatError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, opts: { details?: Record<string, unknown>; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "ChatError";
    this.code = code;
    this.details = opts.details ?? {};
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function isChatError(e: unknown): e is ChatError {
  return e instanceof ChatError;
}
