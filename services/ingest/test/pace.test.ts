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
