// The CLI's exit codes (documented in packages/cli/README.md). Scripts may rely on them.
export const EXIT = {
  ok: 0,
  // A bug or an error nobody planned for.
  internal: 1,
  // Bad arguments, or the server refused the input (invalid_argument, message_too_large).
  usage: 2,
  // Not logged in, session expired and not refreshable, login cancelled or failed.
  auth: 3,
  // The server refused the request: no such chat / not a member, not allowed, already exists.
  refused: 4,
  // The server or issuer could not be reached or is overloaded; retrying later may work.
  unavailable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    // A next step for the user, printed on its own line ("run: chat login").
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

// Stable server error codes (docs/protocol.md, docs/api.md) → exit code.
export function exitCodeForServerError(code: string): ExitCode {
  switch (code) {
    case "invalid_argument":
    case "message_too_large":
      return EXIT.usage;
    case "unauthenticated":
    case "token_expired":
      return EXIT.auth;
    case "not_found":
    case "permission_denied":
    case "already_exists":
      return EXIT.refused;
    case "unavailable":
    case "rate_limited":
    case "deadline_exceeded":
    case "conflict":
      return EXIT.unavailable;
    default:
      return EXIT.internal;
  }
}
