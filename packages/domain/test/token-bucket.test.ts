import { TokenBucket } from "../src/limits/token-bucket";

describe("TokenBucket", () => {
  const T0 = 1_700_000_000_000;

  it("allows a full burst at once, then refuses with the time until the next token", () => {
    const b = new TokenBucket(10, 20, T0);
    for (let i = 0; i < 20; i++) expect(b.take(T0)).toBe(0);
    expect(b.take(T0)).toBe(100); // 1 token at 10/s = 100 ms
  });

  it("does not consume tokens when refusing", () => {
    const b = new TokenBucket(10, 2, T0);
    b.take(T0);
    b.take(T0);
    expect(b.take(T0)).toBe(100);
    expect(b.take(T0)).toBe(100);
    expect(b.take(T0 + 100)).toBe(0);
  });

  it("reports the remaining wait when partly refilled", () => {
    const b = new TokenBucket(10, 1, T0);
    expect(b.take(T0)).toBe(0);
    expect(b.take(T0 + 40)).toBe(60);
    expect(b.take(T0 + 100)).toBe(0);
  });

  it("rounds retry-after up so that retrying after it always succeeds", () => {
    const b = new TokenBucket(3, 1, T0); // a token every 333.33 ms
    expect(b.take(T0)).toBe(0);
    const wait = b.take(T0);
    expect(wait).toBe(334);
    expect(b.take(T0 + wait)).toBe(0);
  });

  it("refills continuously at the configured rate", () => {
    const b = new TokenBucket(10, 20, T0);
    for (let i = 0; i < 20; i++) b.take(T0);
    // 1 s later: 10 tokens.
    const t = T0 + 1000;
    for (let i = 0; i < 10; i++) expect(b.take(t)).toBe(0);
    expect(b.take(t)).toBe(100);
  });

  it("never refills above the burst", () => {
    const b = new TokenBucket(10, 5, T0);
    const later = T0 + 60_000;
    for (let i = 0; i < 5; i++) expect(b.take(later)).toBe(0);
    expect(b.take(later)).toBeGreaterThan(0);
  });

  // Refill is accumulated in small floating-point steps; 10 steps of 0.1 token must make a
  // whole token, or a client sending at exactly the configured rate gets rate_limited.
  it("sustains exactly the configured rate when polled often (no floating-point drift)", () => {
    const b = new TokenBucket(10, 1, T0);
    let allowed = 0;
    // Try every 10 ms for 10 s: one token at T0 and one every 100 ms after.
    for (let t = T0; t < T0 + 10_000; t += 10) if (b.take(t) === 0) allowed++;
    expect(allowed).toBe(100);
  });

  it("admits a send exactly one token-interval after the previous one, whatever the polls in between", () => {
    const b = new TokenBucket(10, 1, T0);
    expect(b.take(T0)).toBe(0);
    for (let t = T0 + 10; t < T0 + 100; t += 10) expect(b.take(t)).toBeGreaterThan(0);
    expect(b.take(T0 + 100)).toBe(0);
  });
});
