import { CircuitBreaker } from "../src/ingest/circuit-breaker";

// The breaker logic itself is @chat/domain's (packages/domain/test/circuit-breaker.test.ts);
// here: the gateway's view of it in health colours, with its option names.
describe("gateway CircuitBreaker (towards ingest)", () => {
  it("reports closed / half-open / open as green / yellow / red, in its state and its change log", () => {
    const changes: string[] = [];
    const b = new CircuitBreaker({ failureThreshold: 2, openMs: 1000 }, (to, from) => changes.push(`${from}->${to}`));
    expect(b.state).toBe("green");
    b.onFailure(0);
    b.onFailure(0);
    expect(b.state).toBe("red");
    expect(b.tryAcquire(400)).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(b.tryAcquire(1000)).toEqual({ allowed: true });
    expect(b.state).toBe("yellow");
    b.onSuccess();
    expect(b.state).toBe("green");
    expect(changes).toEqual(["green->red", "red->yellow", "yellow->green"]);
  });

  it("openMs is the cool-down: a failed probe fails fast for a full openMs again", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 300 });
    b.onFailure(0);
    expect(b.tryAcquire(300).allowed).toBe(true);
    b.onFailure(300);
    expect(b.tryAcquire(300)).toEqual({ allowed: false, retryAfterMs: 300 });
  });
});
