import { OrderGuard } from "../src/connection/order-guard";

describe("OrderGuard", () => {
  it("admits increasing seqs", () => {
    const g = new OrderGuard();
    expect([1n, 2n, 3n].map((s) => g.admit("c1", s))).toEqual([true, true, true]);
  });

  it("admits a first message at any seq and forward jumps (gaps are left to sync)", () => {
    const g = new OrderGuard();
    expect(g.admit("c1", 42n)).toBe(true);
    expect(g.admit("c1", 50n)).toBe(true);
  });

  it("drops a duplicate", () => {
    const g = new OrderGuard();
    g.admit("c1", 5n);
    expect(g.admit("c1", 5n)).toBe(false);
  });

  it("drops a late (older) message and keeps the high-water mark", () => {
    const g = new OrderGuard();
    g.admit("c1", 5n);
    expect(g.admit("c1", 3n)).toBe(false);
    expect(g.admit("c1", 4n)).toBe(false);
    expect(g.admit("c1", 6n)).toBe(true);
  });

  it("tracks chats independently", () => {
    const g = new OrderGuard();
    g.admit("c1", 10n);
    expect(g.admit("c2", 1n)).toBe(true);
    expect(g.admit("c1", 2n)).toBe(false);
    expect(g.admit("c2", 2n)).toBe(true);
  });

  it("compares seqs as bigints beyond 2^53", () => {
    const g = new OrderGuard();
    const big = 2n ** 53n;
    g.admit("c", big + 1n);
    expect(g.admit("c", big)).toBe(false);
    expect(g.admit("c", big + 2n)).toBe(true);
  });
});
