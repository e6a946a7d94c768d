import { SessionState } from "../src/connection/session-state";

// The session's phases without sockets (ADR 0015; issue 10 item 4, ghost connections).
describe("SessionState", () => {
  test("the happy path: awaiting_auth → authenticating → open → closing → closed, releasing the route once open", () => {
    const s = new SessionState();
    expect(s.phase).toBe("awaiting_auth");
    expect(s.onFrame(false)).toBe("refuse");
    expect(s.onFrame(true)).toBe("auth");
    expect(s.startAuth()).toBe(true);
    expect(s.phase).toBe("authenticating");
    expect(s.onFrame(false)).toBe("hold");
    expect(s.startAuth()).toBe(false);
    expect(s.registered()).toBe("open");
    expect(s.isOpen).toBe(true);
    expect(s.onFrame(false)).toBe("handle");
    expect(s.onFrame(true)).toBe("handle");
    expect(s.beginClose()).toBe(true);
    expect(s.beginClose()).toBe(false);
    expect(s.phase).toBe("closing");
    expect(s.onFrame(false)).toBe("drop");
    expect(s.socketClosed()).toEqual({ release: true });
    expect(s.phase).toBe("closed");
    expect(s.socketClosed()).toEqual({ release: false });
  });

  test("a socket closed during registration: the registration that lands afterwards is released, never opened", () => {
    const s = new SessionState();
    s.startAuth();
    expect(s.socketClosed()).toEqual({ release: false });
    expect(s.registered()).toBe("release");
    expect(s.isOpen).toBe(false);
    expect(s.phase).toBe("closed");
  });

  test("the server closing during registration (auth timeout) also releases the late registration", () => {
    const s = new SessionState();
    s.startAuth();
    expect(s.beginClose()).toBe(true);
    expect(s.registered()).toBe("release");
    expect(s.socketClosed()).toEqual({ release: false });
  });

  test("a failed verification or registration closes without ever opening", () => {
    const s = new SessionState();
    s.startAuth();
    expect(s.authFailed()).toBe(true);
    expect(s.phase).toBe("closing");
    expect(s.authFailed()).toBe(false);
    expect(s.registered()).toBe("release");
    expect(s.socketClosed()).toEqual({ release: false });
  });

  test("an open session cannot fail authentication any more, and a closed one cannot start it", () => {
    const s = new SessionState();
    s.startAuth();
    s.registered();
    expect(s.authFailed()).toBe(false);
    expect(s.isOpen).toBe(true);
    const t = new SessionState();
    t.socketClosed();
    expect(t.startAuth()).toBe(false);
    expect(t.onFrame(true)).toBe("drop");
  });

  test("a socket that closes while open releases even without a server close", () => {
    const s = new SessionState();
    s.startAuth();
    s.registered();
    expect(s.socketClosed()).toEqual({ release: true });
  });
});
