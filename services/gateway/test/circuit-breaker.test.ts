import { CircuitBreaker } from "../src/ingest/circuit-breaker";

describe("CircuitBreaker", () => {
  const T0 = 1_000_000;
  const opts = { failureThreshold: 3, openMs: 2000 };

  function openBreaker(at = T0): CircuitBreaker {
    const b = new CircuitBreaker(opts);
    for (let i = 0; i < opts.failureThreshold; i++) {
      expect(b.tryAcquire(at)).toEqual({ allowed: true });
      b.onFailure(at);
    }
    expect(b.state).toBe("red");
    return b;
  }

  it("starts green and lets calls through", () => {
    const b = new CircuitBreaker(opts);
    expect(b.state).toBe("green");
    for (let i = 0; i < 10; i++) expect(b.tryAcquire(T0)).toEqual({ allowed: true });
  });

  it("stays green below the threshold", () => {
    const b = new CircuitBreaker(opts);
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.state).toBe("green");
    expect(b.tryAcquire(T0)).toEqual({ allowed: true });
  });

  it("opens (red) after N consecutive failures", () => {
    const b = new CircuitBreaker(opts);
    b.onFailure(T0);
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.state).toBe("red");
  });

  it("counts only consecutive failures: a success resets the count", () => {
    const b = new CircuitBreaker(opts);
    b.onFailure(T0);
    b.onFailure(T0);
    b.onSuccess();
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.state).toBe("green");
    b.onFailure(T0);
    expect(b.state).toBe("red");
  });

  it("fails fast while open with the time left until a probe", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0)).toEqual({ allowed: false, retryAfterMs: 2000 });
    expect(b.tryAcquire(T0 + 500)).toEqual({ allowed: false, retryAfterMs: 1500 });
    expect(b.tryAcquire(T0 + 1999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(b.state).toBe("red");
  });

  it("after openMs lets exactly one probe through (yellow)", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0 + 2000)).toEqual({ allowed: true });
    expect(b.state).toBe("yellow");
    const second = b.tryAcquire(T0 + 2001);
    expect(second.allowed).toBe(false);
    if (!second.allowed) expect(second.retryAfterMs).toBeGreaterThan(0);
    expect(b.tryAcquire(T0 + 5000).allowed).toBe(false);
    expect(b.state).toBe("yellow");
  });

  it("closes (green) when the probe succeeds", () => {
    const b = openBreaker();
    expect(b.tryAcquire(T0 + 2000).allowed).toBe(true);
    b.onSuccess();
    expect(b.state).toBe("green");
    for (let i = 0; i < 5; i++) expect(b.tryAcquire(T0 + 2001)).toEqual({ allowed: true });
  });

  it("after closing needs N fresh failures to open again", () => {
    const b = openBreaker();
    b.tryAcquire(T0 + 2000);
    b.onSuccess();
    b.onFailure(T0 + 2100);
    b.onFailure(T0 + 2100);
    expect(b.state).toBe("green");
    b.onFailure(T0 + 2100);
    expect(b.state).toBe("red");
  });

  it("re-opens (red) for a full openMs when the probe fails", () => {
    const b = openBreaker();
    const probeAt = T0 + 2000;
    expect(b.tryAcquire(probeAt).allowed).toBe(true);
    b.onFailure(probeAt + 50);
    expect(b.state).toBe("red");
    expect(b.tryAcquire(probeAt + 50)).toEqual({ allowed: false, retryAfterMs: 2000 });
    expect(b.tryAcquire(probeAt + 2049).allowed).toBe(false);
    expect(b.tryAcquire(probeAt + 2050)).toEqual({ allowed: true });
    expect(b.state).toBe("yellow");
  });

  it("a threshold of 1 opens on the first failure", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 100 });
    b.onFailure(T0);
    expect(b.state).toBe("red");
    expect(b.tryAcquire(T0 + 10)).toEqual({ allowed: false, retryAfterMs: 90 });
  });
});

test("reports each change of state once, not each call", () => {
  const changes: string[] = [];
  const b = new CircuitBreaker({ failureThreshold: 2, openMs: 1000 }, (to, from) => changes.push(`${from}->${to}`));
  for (let i = 0; i < 5; i++) b.onFailure(1000);
  for (let i = 0; i < 5; i++) b.tryAcquire(1500);
  expect(b.tryAcquire(2000)).toEqual({ allowed: true });
  b.onSuccess();
  b.onSuccess();
  expect(changes).toEqual(["green->red", "red->yellow", "yellow->green"]);
});
