// The life of one WebSocket session as an explicit state machine (ADR 0015). Pure: no sockets,
// no timers, no I/O; the session (session.ts) asks it what to do and performs the effects.
//
//   awaiting_auth --auth--> authenticating --registered--> open --close--> closing --socket closed--> closed
//         |                        |                                                       ^
//         +------- close / socket closed / auth failed / registration failed --------------+
//
// The rules it exists to enforce (issue 10 item 4, "ghost connections"):
// - a connection is registered (routes held, heartbeats refresh it) only in `open`;
// - a route that was registered after the session had already started closing is released at
//   once and never announced online, so `online` can never follow `offline`;
// - timers (token expiry) are armed only when the session becomes `open`.
export type SessionPhase = "awaiting_auth" | "authenticating" | "open" | "closing" | "closed";

export type FrameDecision = "handle" | "hold" | "auth" | "refuse" | "drop";

export class SessionState {
  private current: SessionPhase = "awaiting_auth";
  // Whether the session ever reached `open` (then its route is held until the socket closes).
  private opened = false;

  get phase(): SessionPhase {
    return this.current;
  }

  get isOpen(): boolean {
    return this.current === "open";
  }

  // What to do with a decoded client frame (isAuth: the frame is an `auth` frame).
  onFrame(isAuth: boolean): FrameDecision {
    switch (this.current) {
      case "awaiting_auth":
        return isAuth ? "auth" : "refuse";
      case "authenticating":
        return "hold";
      case "open":
        return "handle";
      default:
        return "drop";
    }
  }

  // A token arrived (auth frame or URL). False when authentication already started or the
  // session is ending: the token is then ignored.
  startAuth(): boolean {
    if (this.current !== "awaiting_auth") return false;
    this.current = "authenticating";
    return true;
  }

  // The token verified and the route is now registered in presence. "open": send hello, announce
  // online if this was the user's first connection, arm the expiry timer. "release": the socket
  // closed (or the server began closing it) meanwhile, so the route must be removed again and
  // nothing announced.
  registered(): "open" | "release" {
    if (this.current !== "authenticating") return "release";
    this.current = "open";
    this.opened = true;
    return "open";
  }

  // Verification or registration failed: the session closes with an error. False if it is
  // already closing (nothing more to send).
  authFailed(): boolean {
    if (this.current !== "authenticating" && this.current !== "awaiting_auth") return false;
    this.current = "closing";
    return true;
  }

  // The server decided to close (slow consumer, heartbeat, expiry, shutdown, auth timeout).
  // True only the first time, so connection_closing is sent once.
  beginClose(): boolean {
    if (this.current === "closing" || this.current === "closed") return false;
    this.current = "closing";
    return true;
  }

  // The socket is gone. `release`: the session had been open, so its route must be removed (and
  // the user announced offline if it was their last connection). A session still authenticating
  // releases its route when registration settles (registered() then answers "release").
  socketClosed(): { release: boolean } {
    if (this.current === "closed") return { release: false };
    this.current = "closed";
    return { release: this.opened };
  }
}
