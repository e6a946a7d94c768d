import { CircuitBreaker } from "../src/limits/circuit-breaker";

// The breaker shared by the gateway (towards ingest) and fanout (per gateway).
describe("CircuitBreaker", () => {
  const T0 = 1_000_000;
  const opts = { failureThreshold: 3, cooldownMs: 2000 };

  function openBreaker(at = T0): CircuitBreaker {
    const b = new CircuitBreaker(opts);
    for (let i = 0; i < opts.failureThreshold; i++) {
      expect(b.tryAcquire(at)).toEqual({ allowed: true });
      b.onFailure(at);
    }
    expect(b.state).toBe("open");
    return b;
  }

  it("starts closed and pristine, and lets calls through", () => {
    const b = new CircuitBreaker(opts);
    expect(b.state).toBe("closed");
    expect(b.pristine).toBe(true);
    for (let i = 0; i < 10; i++) expect(b.tryAcquire(T0)).toEqual({ allowed: true });
  });

  it("counts only consecutive failures: a success resets the count", () => {
    const b = new CircuitBreaker(opts);
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.pristine).toBe(false);
    b.onSuccess();
    expect(b.pristine).toBe(true);
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.state).toBe("closed");
    b.onFailure(T0);
    expect(b.state).toBe("open");
  });

  it("fails fast while open with the time left until a trial, and rejects queued work", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0)).toEqual({ allowed: false, retryAfterMs: 2000 });
    expect(b.tryAcquire(T0 + 500)).toEqual({ allowed: false, retryAfterMs: 1500 });
    expect(b.rejecting(T0 + 1999)).toBe(true);
    expect(b.tryAcquire(T0 + 1999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(b.rejecting(T0 + 2000)).toBe(false);
    expect(b.state).toBe("open");
  });

  it("after the cool-down lets exactly one trial through (half-open)", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0 + 2000)).toEqual({ allowed: true });
    expect(b.state).toBe("half_open");
    const second = b.tryAcquire(T0 + 2001);
    expect(second).toEqual({ allowed: false, retryAfterMs: 100 });
    expect(b.tryAcquire(T0 + 5000).allowed).toBe(false);
    expect(b.rejecting(T0 + 5000)).toBe(false);
  });

  it("closes when the trial succeeds, and then needs a full threshold of failures again", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0 + 2000).allowed).toBe(true);
    b.onSuccess();
    expect(b.state).toBe("closed");
    for (let i = 0; i < 5; i++) expect(b.tryAcquire(T0 + 2001)).toEqual({ allowed: true });
    b.onFailure(T0 + 2100);
    b.onFailure(T0 + 2100);
    expect(b.state).toBe("closed");
    b.onFailure(T0 + 2100);
    expect(b.state).toBe("open");
  });

  it("re-opens for a full cool-down when the trial fails", () => {
    const b = openBreaker();
    const trialAt = T0 + 2000;
    expect(b.tryAcquire(trialAt).allowed).toBe(true);
    b.onFailure(trialAt + 50);
    expect(b.state).toBe("open");
    expect(b.tryAcquire(trialAt + 50)).toEqual({ allowed: false, retryAfterMs: 2000 });
    expect(b.tryAcquire(trialAt + 2049).allowed).toBe(false);
    expect(b.tryAcquire(trialAt + 2050)).toEqual({ allowed: true });
    expect(b.state).toBe("half_open");
  });

  it("an abandoned trial (nothing was called) hands the trial to the next caller", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0 + 2000).allowed).toBe(true);
    expect(b.tryAcquire(T0 + 2001).allowed).toBe(false);
    b.abandonTrial();
    expect(b.tryAcquire(T0 + 2002).allowed).toBe(true);
    expect(b.state).toBe("half_open");
  });

  it("a threshold of 1 opens on the first failure", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 });
    b.onFailure(T0);
    expect(b.state).toBe("open");
    expect(b.tryAcquire(T0 + 10)).toEqual({ allowed: false, retryAfterMs: 90 });
  });

  it("reports each change of state once, not each call", () => {
    const changes: string[] = [];
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000, onChange: (to, from) => changes.push(`${from}->${to}`) });
    for (let i = 0; i < 5; i++) b.onFailure(1000);
    for (let i = 0; i < 5; i++) b.tryAcquire(1500);
    expect(b.tryAcquire(2000)).toEqual({ allowed: true });
    b.onSuccess();
    b.onSuccess();
    expect(changes).toEqual(["closed->open", "open->half_open", "half_open->closed"]);
  });
});
