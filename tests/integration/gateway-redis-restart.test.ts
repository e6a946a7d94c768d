import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRedisPresence } from "@chat/presence/redis";
import type { Presence } from "@chat/presence";
import { startGatewayHarness, type GatewayHarness } from "../e2e/support/gateway-harness";
import { until } from "../e2e/support/until";
import { freePort } from "./support/cluster";

// Issue 10 item 13d: a Redis restart loses every route and gateway registration. The gateway must
// write them again within about a second of Redis being back, not at its next heartbeat (here a
// minute away, so only the reconnect path can pass). This suite runs its own redis-server (the
// binary scripts/infra/redis.sh installs) so restarting it disturbs no other suite.

function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

let redis: ChildProcess;
let port: number;
let presence: Presence;
let h: GatewayHarness;
const adapterWarnings: string[] = [];
beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  presence = createRedisPresence({ url: `redis://127.0.0.1:${port}`, keyPrefix: `restart-${randomUUID().slice(0, 8)}:`, logger: { warn: (_fields, msg) => adapterWarnings.push(msg) } });
  h = await startGatewayHarness({ presence, overrides: { CHAT_HEARTBEAT_INTERVAL_MS: "60000", CHAT_PRESENCE_TTL_MS: "120000" } });
});
afterAll(async () => {
  await h?.stop();
  await kill(redis);
});

test("after a Redis restart (data lost) the gateway registration and every live route are back within a few seconds", async () => {
  const alice = await h.connect("alice");
  const phone = await h.connect("bob");
  const laptop = await h.connect("bob");
  const routes = async () => {
    const live = await presence.connectionsOf(["alice", "bob"]);
    return (live.get("alice")?.length ?? 0) + (live.get("bob")?.length ?? 0);
  };
  expect(await routes()).toBe(3);
  expect(await presence.gatewayAddress(h.gateway.id)).toBeDefined();

  await kill(redis);
  redis = await startRedis(port);
  const back = Date.now();
  await until(async () => (await routes().catch(() => 0)) === 3 && (await presence.gatewayAddress(h.gateway.id).catch(() => undefined)) !== undefined, 10_000, "routes and gateway registration to be written again");
  const took = Date.now() - back;
  // About one reconnect attempt (≤ 500 ms apart) plus the writes; generous for a busy machine.
  expect(took).toBeLessThan(5000);
  process.stdout.write(`routes re-registered ${took} ms after Redis was back\n`);
  expect(h.warnings.some((w) => /presence reconnected/.test(String(w.msg)))).toBe(true);
  // The outage is logged once each way, however many reconnect attempts failed in between.
  expect(adapterWarnings).toEqual(["redis presence connection lost; reconnecting", "redis presence connection restored"]);

  // The connections themselves were never disturbed.
  expect((await alice.request({ ping: { nonce: "after" } })).pong.nonce).toBe("after");
  for (const c of [alice, phone, laptop]) await c.close();
});
