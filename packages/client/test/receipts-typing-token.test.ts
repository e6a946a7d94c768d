import { refreshAt, tokenExpiry } from "../src/auth/token";
import { ReceiptCoalescer } from "../src/receipts/receipt-coalescer";
import { TypingThrottle } from "../src/typing/typing-throttle";

test("many marks of one chat become one frame with the highest seq; read covers delivered", () => {
  const c = new ReceiptCoalescer();
  c.mark("a", "delivered", 3n);
  c.mark("a", "delivered", 7n);
  c.mark("a", "delivered", 5n);
  c.mark("b", "read", 2n);
  expect(c.pendingChats()).toEqual(["a", "b"]);
  expect(c.take("a")).toEqual({ chatId: "a", kind: "delivered", seq: 7n });
  expect(c.take("a")).toBeUndefined(); // one in flight per chat
  c.mark("a", "read", 6n);
  c.mark("a", "delivered", 9n);
  expect(c.settle("a", { deliveredSeq: 7n, readSeq: 0n })).toBe(true);
  expect(c.take("a")).toEqual({ chatId: "a", kind: "read", seq: 6n });
  expect(c.settle("a", { deliveredSeq: 7n, readSeq: 6n })).toBe(true); // delivered 9 still wanted
  expect(c.take("a")).toEqual({ chatId: "a", kind: "delivered", seq: 9n });
  expect(c.settle("a", { deliveredSeq: 9n, readSeq: 6n })).toBe(false);
  // Lower or equal marks after confirmation send nothing.
  expect(c.mark("a", "read", 4n)).toBe(false);
  expect(c.take("b")).toEqual({ chatId: "b", kind: "read", seq: 2n });
});

test("a lost receipt frame is sent again; a permanently refused one is dropped", () => {
  const c = new ReceiptCoalescer();
  c.mark("a", "read", 3n);
  c.take("a");
  c.resetInflight();
  expect(c.take("a")).toEqual({ chatId: "a", kind: "read", seq: 3n });
  c.drop("a");
  expect(c.pendingChats()).toEqual([]);
});

test("typing: true at most once per interval, false only after a true", () => {
  const t = new TypingThrottle(3000);
  expect(t.shouldSend("a", false, 0)).toBe(false);
  expect(t.shouldSend("a", true, 0)).toBe(true);
  expect(t.shouldSend("a", true, 1000)).toBe(false);
  expect(t.shouldSend("b", true, 1000)).toBe(true);
  expect(t.shouldSend("a", true, 3000)).toBe(true);
  expect(t.shouldSend("a", false, 3100)).toBe(true);
  expect(t.shouldSend("a", false, 3200)).toBe(false);
  expect(t.shouldSend("a", true, 3300)).toBe(true); // a new burst starts at once
});

const jwt = (payload: object) => `eyJhbGciOiJub25lIn0.${btoa(JSON.stringify(payload)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.sig`;

test("exp is read from the token without verifying it; opaque tokens have none", () => {
  expect(tokenExpiry(jwt({ sub: "a", exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  expect(tokenExpiry(jwt({ sub: "a" }))).toBeUndefined();
  expect(tokenExpiry("opaque")).toBeUndefined();
  expect(tokenExpiry("a.!!!.b")).toBeUndefined();
});

test("refresh happens 10% of the remaining lifetime early, between 2 s and 60 s", () => {
  expect(refreshAt(3_600_000, 0)).toBe(3_540_000);
  expect(refreshAt(10_000, 0)).toBe(8_000);
  expect(refreshAt(100_000, 0)).toBe(90_000);
  expect(refreshAt(1_000, 0)).toBe(0);
});
