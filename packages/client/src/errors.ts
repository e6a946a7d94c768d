import type { ErrorCode } from "@chat/domain";

// The server's stable codes (docs/protocol.md) plus the ones only the SDK raises. Type-only
// import: @chat/domain's runtime code uses node:crypto and must stay out of the browser bundle.
export type ServerErrorCode = ErrorCode;
export type ClientOnlyErrorCode =
  // client.close() was called while the operation was pending.
  | "closed"
  // The request needs an open connection and the client gave up waiting for one.
  | "not_connected"
  // No answer within the request timeout.
  | "timeout";
export type ChatClientErrorCode = ServerErrorCode | ClientOnlyErrorCode;

// Codes after which retrying the same request cannot succeed.
const PERMANENT: ReadonlySet<string> = new Set([
  "invalid_argument",
  "malformed_frame",
  "unknown_frame",
  "message_too_large",
  "permission_denied",
  "not_found",
  "already_exists",
]);

export class ChatClientError extends Error {
  override readonly name = "ChatClientError";
  readonly code: ChatClientErrorCode;
  readonly retryAfterMs?: number;
  readonly details: Record<string, unknown>;

  constructor(code: ChatClientErrorCode, message: string, opts: { retryAfterMs?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryAfterMs = opts.retryAfterMs;
    this.details = opts.details ?? {};
  }

  // True when resending the same request unchanged can never succeed.
  get permanent(): boolean {
    return PERMANENT.has(this.code);
  }
}

export function isPermanentCode(code: string): boolean {
  return PERMANENT.has(code);
}
