import { Code, ConnectError } from "@connectrpc/connect";
import { ChatError, isErrorCode, type ErrorCode } from "@chat/domain";

const GRPC_CODE: Record<ErrorCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  malformed_frame: Code.InvalidArgument,
  unknown_frame: Code.InvalidArgument,
  // gRPC's own convention for a message above the receiver's size limit.
  message_too_large: Code.ResourceExhausted,
  unauthenticated: Code.Unauthenticated,
  token_expired: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  conflict: Code.Aborted,
  failed_precondition: Code.FailedPrecondition,
  quota_exceeded: Code.ResourceExhausted,
  rate_limited: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  deadline_exceeded: Code.DeadlineExceeded,
  internal: Code.Internal,
};

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  malformed_frame: 400,
  unknown_frame: 400,
  message_too_large: 413,
  unauthenticated: 401,
  token_expired: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  failed_precondition: 409,
  // RESOURCE_EXHAUSTED's HTTP status (google.rpc mapping); sent without Retry-After.
  quota_exceeded: 429,
  rate_limited: 429,
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
};

// Only for errors that carry no chat-error-code trailer: those never came from our handlers
// (every ChatError travels with its code, see toConnectError), so they were raised by the
// transport or by a peer we do not control. connect-node reports a reset connection or a
// destroyed stream as Aborted and a peer-cancelled stream as Canceled: for a caller that is
// "the server went away mid-call", i.e. unavailable (retry), never a domain conflict.
const FROM_GRPC: Partial<Record<Code, ErrorCode>> = {
  [Code.InvalidArgument]: "invalid_argument",
  [Code.Unauthenticated]: "unauthenticated",
  [Code.PermissionDenied]: "permission_denied",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.Aborted]: "unavailable",
  [Code.Canceled]: "unavailable",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.ResourceExhausted]: "rate_limited",
  [Code.Unavailable]: "unavailable",
  [Code.DeadlineExceeded]: "deadline_exceeded",
};

// The stable chat error code rides in a trailer so it survives gRPC and Connect unchanged.
export const ERROR_CODE_TRAILER = "chat-error-code";
const RETRY_AFTER_TRAILER = "chat-retry-after-ms";
const DETAILS_TRAILER = "chat-error-details";

export function toConnectError(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  if (e instanceof ChatError) {
    const md = new Headers({ [ERROR_CODE_TRAILER]: e.code });
    if (e.retryAfterMs !== undefined) md.set(RETRY_AFTER_TRAILER, String(e.retryAfterMs));
    if (Object.keys(e.details).length > 0) md.set(DETAILS_TRAILER, encodeURIComponent(JSON.stringify(e.details)));
    return new ConnectError(e.message, GRPC_CODE[e.code], md);
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}

export function fromConnectError(e: unknown): ChatError {
  if (e instanceof ChatError) return e;
  const ce = ConnectError.from(e);
  const named = ce.metadata.get(ERROR_CODE_TRAILER);
  const code: ErrorCode =
    named && isErrorCode(named) ? named : brokenConnection(ce) ? "unavailable" : (FROM_GRPC[ce.code] ?? "internal");
  const retry = ce.metadata.get(RETRY_AFTER_TRAILER);
  return new ChatError(code, ce.rawMessage, { retryAfterMs: retry ? Number(retry) : undefined, details: parseDetails(ce.metadata.get(DETAILS_TRAILER)), cause: ce });
}

// Node error codes of a connection or stream that broke under the call (the peer crashed or
// restarted). connect-node wraps some of them as Internal, which would read as a server bug.
const TRANSPORT_FAILURES = /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ERR_HTTP2_.*|ERR_STREAM_(DESTROYED|PREMATURE_CLOSE|WRITE_AFTER_END))$/;

function brokenConnection(e: Error): boolean {
  const seen = new Set<unknown>();
  // Not `instanceof Error`: Node's own errors may come from another realm (vm contexts).
  for (let c: unknown = e; typeof c === "object" && c !== null && !seen.has(c); c = (c as { cause?: unknown }).cause) {
    seen.add(c);
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && TRANSPORT_FAILURES.test(code)) return true;
  }
  return false;
}

function parseDetails(raw: string | null): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    const v: unknown = JSON.parse(decodeURIComponent(raw));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
