import { Histogram } from "../stats/histogram";

describe("Histogram", () => {
  it("gives percentiles within 1 % of the exact value", () => {
    const h = new Histogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 100); // 0.01 .. 100 ms
    expect(h.count).toBe(10_000);
    expect(Math.abs(h.quantile(0.5)! - 50) / 50).toBeLessThan(0.01);
    expect(Math.abs(h.quantile(0.99)! - 99) / 99).toBeLessThan(0.01);
    expect(h.quantile(1)).toBeLessThanOrEqual(100);
    expect(h.maxMs).toBe(100);
  });

  it("is undefined when empty and merges across generators (also from JSON)", () => {
    expect(new Histogram().quantile(0.5)).toBeUndefined();
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 99; i++) a.record(1);
    b.record(1000);
    const merged = new Histogram().merge(a).merge(JSON.parse(JSON.stringify(b)));
    expect(merged.count).toBe(100);
    expect(merged.quantile(0.5)).toBeCloseTo(1, 1);
    expect(merged.quantile(1)).toBe(1000);
    expect(merged.maxMs).toBe(1000);
  });

  it("records sub-microsecond and zero samples in the lowest bucket", () => {
    const h = new Histogram();
    h.record(0);
    h.record(0.0001);
    expect(h.quantile(1)).toBeLessThanOrEqual(0.0001);
  });
});
