import type { TokenSource } from "./auth/token-source";
import type { Io } from "./io";
import type { SessionStore } from "./session/session-store";

// What every command gets from the program.
export interface Context {
  io: Io;
  store: SessionStore;
  tokens: TokenSource;
  // Ends a long-running command (tail) on SIGINT/SIGTERM.
  signal: AbortSignal;
}
