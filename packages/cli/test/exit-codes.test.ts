import { EXIT, exitCodeForServerError } from "../src/exit-codes";

test("every stable server code maps to a documented exit code", () => {
  const table: Record<string, number> = {
    invalid_argument: EXIT.usage,
    message_too_large: EXIT.usage,
    unauthenticated: EXIT.auth,
    token_expired: EXIT.auth,
    not_found: EXIT.refused,
    permission_denied: EXIT.refused,
    already_exists: EXIT.refused,
    unavailable: EXIT.unavailable,
    rate_limited: EXIT.unavailable,
    deadline_exceeded: EXIT.unavailable,
    conflict: EXIT.unavailable,
    internal: EXIT.internal,
    something_new: EXIT.internal,
  };
  for (const [code, exit] of Object.entries(table)) expect([code, exitCodeForServerError(code)]).toEqual([code, exit]);
  expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
});
