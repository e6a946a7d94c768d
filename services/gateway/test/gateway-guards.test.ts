import { DependencyHealth } from "@chat/observability";
import { singleFlight } from "../src/health/single-flight";
import { IpAdmission } from "../src/limits/ip-admission";
import { ConnectionOperationLimiter, UserOperationLimiter, type OperationLimits } from "../src/limits/operation-limits";
import { PresenceAnnouncer } from "../src/presence/presence-announcer";

test("single flight: a tick while the previous run hangs is skipped, not stacked", async () => {
  let runs = 0;
  let finish!: () => void;
  let skipped = 0;
  const tick = singleFlight(
    () => {
      runs++;
      return new Promise<void>((r) => (finish = r));
    },
    () => skipped++,
  );
  void tick();
  void tick();
  void tick();
  expect(runs).toBe(1);
  expect(skipped).toBe(2);
  finish();
  await tick.call(undefined);
  expect(runs).toBe(1);
  await new Promise((r) => setImmediate(r));
  void tick();
  expect(runs).toBe(2);
  finish();
});

test("per-IP admission: unauthenticated sockets are capped until they settle; the connect rate is per IP", () => {
  const a = new IpAdmission(2, { perSecond: 1, burst: 5 });
  const done1 = a.track("10.0.0.1");
  a.track("10.0.0.1");
  expect(a.admit("10.0.0.1", 0)).toMatchObject({ status: 429, code: "rate_limited" });
  expect(a.admit("10.0.0.2", 0)).toBeUndefined();
  done1();
  done1();
  expect(a.unauthenticatedFrom("10.0.0.1")).toBe(1);
  expect(a.admit("10.0.0.1", 0)).toBeUndefined();
  // 5 per burst for 10.0.0.3 (it has not connected yet).
  const results = Array.from({ length: 6 }, () => a.admit("10.0.0.3", 0));
  expect(results.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  expect(results[5]).toMatchObject({ status: 429, retryAfterS: 1 });
});

const rate = (perSecond: number, burst: number) => ({ perSecond, burst });
const limits: OperationLimits = {
  send: { connection: rate(1, 3), user: rate(1, 5) },
  typing: { connection: rate(1, 2), user: rate(1, 3) },
  receipt: { connection: rate(1, 2), user: rate(1, 3) },
  sync: { connection: rate(1, 2), user: rate(1, 3) },
  ping: { connection: rate(1, 2), user: rate(1, 3) },
};

test("operation limits: each kind has its own bucket per connection and per user, answered rate_limited with a wait", () => {
  const conn = new ConnectionOperationLimiter(limits, 0);
  conn.take("typing", 0);
  conn.take("typing", 0);
  expect(() => conn.take("typing", 0)).toThrow(expect.objectContaining({ code: "rate_limited", retryAfterMs: 1000, details: { operation: "typing", scope: "connection" } }));
  // Other kinds are untouched by the typing flood.
  conn.take("sync", 0);
  conn.take("receipt", 0);
  const users = new UserOperationLimiter(limits);
  for (let i = 0; i < 3; i++) users.take("sync", "alice", 0);
  expect(() => users.take("sync", "alice", 0)).toThrow(expect.objectContaining({ code: "rate_limited", details: { operation: "sync", scope: "user" } }));
  users.take("sync", "bob", 0);
  users.take("sync", "alice", 1000);
});

test("presence announcements of one user go out in order even when the first is slower", async () => {
  const out: string[] = [];
  const a = new PresenceAnnouncer(async (user, online) => {
    if (online) await new Promise((r) => setTimeout(r, 30));
    out.push(`${user}:${online ? "online" : "offline"}`);
  }, () => undefined);
  void a.enqueue("alice", true, Promise.resolve([]));
  await a.enqueue("alice", false, Promise.resolve([]));
  expect(out).toEqual(["alice:online", "alice:offline"]);
});

test("dependency health: one warning when it starts failing, one when it recovers, none in between", () => {
  const lines: string[] = [];
  const health = new DependencyHealth("presence", { warn: (_o, msg) => lines.push(msg) });
  health.ok();
  for (let i = 0; i < 5; i++) health.failed(new Error("down"));
  expect(health.isHealthy).toBe(false);
  for (let i = 0; i < 5; i++) health.ok();
  health.failed(new Error("again"));
  expect(lines).toEqual(["presence is failing", "presence is reachable again", "presence is failing"]);
});
