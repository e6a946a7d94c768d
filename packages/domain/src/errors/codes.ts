// Stable error codes shared by WebSocket `error` frames, REST bodies and gRPC details.
// Clients switch on these; never rename one.
export const ERROR_CODES = [
  "invalid_argument", // a field is missing, malformed or out of range
  "malformed_frame", // the frame is not valid protobuf JSON / bytes
  "unknown_frame", // the frame's kind is not one this server knows
  "message_too_large", // body above the configured limit
  "unauthenticated", // no token, or a token that failed verification
  "token_expired",
  "permission_denied", // a member lacking the role for this action
  "not_found", // the chat does not exist or the caller is not a member
  "already_exists",
  "conflict",
  "failed_precondition", // the request is valid but the chat's state forbids it (e.g. removing its last admin)
  "quota_exceeded", // a configured quota (chats per user, members per chat) is full; retrying does not help
  "rate_limited",
  "unavailable", // a dependency is down; retry with the same client_message_id
  "deadline_exceeded",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

// A code read from the wire (a trailer, a batch result) is one of ours only if listed: a newer
// peer may send codes this build does not know.
export function isErrorCode(s: string): s is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(s);
}
