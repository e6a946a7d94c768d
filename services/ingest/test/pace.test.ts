import { Pace } from "../src/persist/pace";

// The commit-time model behind backpressure: fixed part + part per send, fitted from the
// commits seen.

test("a store whose commits cost the same whatever their size: all of it is fixed, and many sends ahead cost few commits", () => {
  const pace = new Pace(20);
  for (const sends of [1, 5, 20, 3, 12, 20, 1, 8]) pace.observe(20, sends);
  expect(pace.commitMs(1)).toBeCloseTo(20, 0);
  expect(pace.commitMs(20)).toBeCloseTo(20, 0);
  // 199 sends ahead in one replica, one commit at a time: 10 commits of 20 ms.
  expect(pace.expectedMs(0, 199, false, 1)).toBeCloseTo(200, 0);
  // Its chat in a commit right now: half of that one, then its own.
  expect(pace.expectedMs(0, 0, true, 1)).toBeCloseTo(30, 0);
});

test("a store whose commits cost per send: the slope is found, and a chat's queue costs its length", () => {
  const pace = new Pace(20);
  for (const sends of [1, 4, 2, 8, 3, 6, 1, 5, 7, 2]) pace.observe(10 + 100 * sends, sends);
  expect(pace.commitMs(1)).toBeCloseTo(110, 0);
  expect(pace.commitMs(10)).toBeCloseTo(1010, 0);
  // 14 sends of its chat ahead: one commit's fixed part + 15 × 100 ms.
  expect(pace.expectedMs(14, 14, false, 2)).toBeCloseTo(1510, 0);
});

test("before any commit nothing is expected to take time, and retry-after stays within 100 ms .. 5 s", () => {
  const pace = new Pace();
  expect(pace.expectedMs(50, 500, true, 2)).toBe(0);
  expect(pace.retryAfterMs(0)).toBe(100);
  expect(pace.retryAfterMs(60_000)).toBe(5000);
  expect(pace.retryAfterMs(1234)).toBe(1234);
});

test("one slow first commit (a cold store) is averaged out by the next ones instead of setting the estimate", () => {
  const pace = new Pace(20);
  pace.observe(2900, 1);
  for (let i = 0; i < 9; i++) pace.observe(30, 20);
  // An equal-weight mean over the first ten (317 ms), not 90% of the first one's 2.9 s.
  expect(pace.commitMs(20)).toBeLessThan(400);
});

test("a single stall among steady commits moves the estimate by a bounded step", () => {
  const pace = new Pace(20);
  for (let i = 0; i < 30; i++) pace.observe(50, 20);
  pace.observe(3000, 20);
  // Counted as at most 3× the expected 50 ms: 60 ms, not the 345 ms the raw stall would give.
  expect(pace.commitMs(20)).toBeLessThan(100);
  // A lasting slowdown is still learnt, a bounded step per commit.
  for (let i = 0; i < 40; i++) pace.observe(3000, 20);
  expect(pace.commitMs(20)).toBeGreaterThan(2500);
});
