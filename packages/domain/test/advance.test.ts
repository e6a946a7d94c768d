import { advancePosition } from "../src/receipts/advance";

describe("advancePosition", () => {
  const zero = { deliveredSeq: 0n, readSeq: 0n };

  it("moves delivered forward and leaves read alone", () => {
    expect(advancePosition(zero, "delivered", 5n)).toEqual({ next: { deliveredSeq: 5n, readSeq: 0n }, changed: true });
  });

  it("read implies delivered", () => {
    expect(advancePosition(zero, "read", 4n)).toEqual({ next: { deliveredSeq: 4n, readSeq: 4n }, changed: true });
  });

  it("read below the delivered position moves only read", () => {
    expect(advancePosition({ deliveredSeq: 10n, readSeq: 2n }, "read", 6n)).toEqual({ next: { deliveredSeq: 10n, readSeq: 6n }, changed: true });
  });

  it("never moves delivered backwards", () => {
    expect(advancePosition({ deliveredSeq: 10n, readSeq: 3n }, "delivered", 7n)).toEqual({ next: { deliveredSeq: 10n, readSeq: 3n }, changed: false });
  });

  it("never moves read backwards", () => {
    expect(advancePosition({ deliveredSeq: 10n, readSeq: 8n }, "read", 5n)).toEqual({ next: { deliveredSeq: 10n, readSeq: 8n }, changed: false });
  });

  it("a delivered receipt never moves read", () => {
    expect(advancePosition({ deliveredSeq: 1n, readSeq: 1n }, "delivered", 9n).next.readSeq).toBe(1n);
  });

  it("reports unchanged for the same position again", () => {
    expect(advancePosition({ deliveredSeq: 5n, readSeq: 5n }, "read", 5n).changed).toBe(false);
    expect(advancePosition({ deliveredSeq: 5n, readSeq: 0n }, "delivered", 5n).changed).toBe(false);
  });

  it("reports changed when only one of the two positions moves", () => {
    expect(advancePosition({ deliveredSeq: 5n, readSeq: 3n }, "read", 5n)).toEqual({ next: { deliveredSeq: 5n, readSeq: 5n }, changed: true });
  });

  it("does not mutate the current position", () => {
    const current = { deliveredSeq: 1n, readSeq: 0n };
    advancePosition(current, "read", 9n);
    expect(current).toEqual({ deliveredSeq: 1n, readSeq: 0n });
  });

  it("handles seqs beyond 2^53", () => {
    const big = 2n ** 60n;
    expect(advancePosition({ deliveredSeq: big, readSeq: big }, "read", big + 1n).next).toEqual({ deliveredSeq: big + 1n, readSeq: big + 1n });
  });
});
