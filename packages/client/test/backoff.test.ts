import { reconnectDelay } from "../src/connection/backoff";

const opts = { initialDelayMs: 100, maxDelayMs: 5000 };

test("full jitter: the delay is uniform below min(cap, base * 2^attempt)", () => {
  expect(reconnectDelay(0, opts, () => 0.999)).toBe(99);
  expect(reconnectDelay(3, opts, () => 0.5)).toBe(400);
  expect(reconnectDelay(3, opts, () => 0)).toBe(0);
  // Capped, also for absurd attempt counts.
  expect(reconnectDelay(20, opts, () => 0.999)).toBe(4995);
  expect(reconnectDelay(10_000, opts, () => 0.999)).toBe(4995);
});

test("the server's reconnectAfterMs is a floor the jitter never undercuts", () => {
  expect(reconnectDelay(0, opts, () => 0, 1765)).toBe(1765);
  expect(reconnectDelay(10, opts, () => 0.9, 1000)).toBe(4500);
});

test("jittered delays spread over the whole window", () => {
  let x = 0;
  const random = () => (x = (x + 0.37) % 1);
  const delays = Array.from({ length: 50 }, () => reconnectDelay(4, opts, random));
  expect(Math.min(...delays)).toBeLessThan(400);
  expect(Math.max(...delays)).toBeGreaterThan(1200);
  expect(delays.every((d) => d >= 0 && d < 1600)).toBe(true);
});
