import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChatMgmt, type RunningChatMgmt } from "../../services/chatmgmt/src/index";
import { loadConfig, type Config } from "@chat/config";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import type { EventLog } from "@chat/eventlog";
import { start as startFanout } from "../../services/fanout/src/start";
import { createOidcVerifier } from "@chat/identity";
import { startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";
import { start as startIngest } from "@chat/ingest/start";
import { createLogger, createMetricsRegistry } from "@chat/observability";
import { createEmbeddedPresence } from "@chat/presence/embedded";
import type { Presence } from "@chat/presence";
import { createEmbeddedStore } from "@chat/store/embedded";
import type { Store } from "@chat/store";

// Issue 9 point 4: /ready answers 503 with one entry per dependency when one is down, 200 again
// when it is back; /health is liveness in the seed 003 shape. Each service runs as composed for
// its own process (start.ts), with embedded adapters whose ping can be made to fail.

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

// The adapter as is, except that ping rejects while `down` is set.
function breakable<T extends { ping(): Promise<void> }>(target: T): { adapter: T; down: boolean } {
  const state = { adapter: undefined as unknown as T, down: false };
  state.adapter = new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === "ping") return () => (state.down ? Promise.reject(new Error("down (test)")) : t.ping());
      const v = Reflect.get(t, prop, receiver);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return state;
}

function config(overrides: Record<string, string>): Config {
  const dir = mkdtempSync(join(tmpdir(), "chat-probes-"));
  return loadConfig({}, { CHAT_SERVICE_SECRET: "probes-secret-0123456789abcdef", CHAT_LOG_LEVEL: "silent", CHAT_STORE_DATA_DIR: join(dir, "store"), CHAT_INGEST_GRPC_PORT: "0", ...overrides });
}

async function get(port: number, path: string): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

async function expectDependencyCycle(port: number, deps: Record<string, { down: boolean }>) {
  const names = Object.keys(deps);
  const all = await get(port, "/ready");
  expect(all.status).toBe(200);
  expect(all.body).toMatchObject({ status: "ready", checks: Object.fromEntries(names.map((n) => [n, "ok"])) });
  for (const name of names) {
    deps[name].down = true;
    const down = await get(port, "/ready");
    expect(down.status).toBe(503);
    expect(down.body.status).toBe("not_ready");
    expect(down.body.checks).toEqual({ ...Object.fromEntries(names.map((n) => [n, "ok"])), ...down.body.checks, [name]: "unreachable" });
    expect(Object.entries(down.body.checks).filter(([, v]) => v !== "ok")).toEqual([[name, "unreachable"]]);
    // Liveness does not follow a dependency: restarting this process would not fix it.
    const health = await get(port, "/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "healthy", timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), checks: { memory_usage: "normal" } });
    deps[name].down = false;
    expect((await get(port, "/ready")).status).toBe(200);
  }
}

test("ingest: /ready per dependency (store, event_log)", async () => {
  const port = await freePort();
  const cfg = config({ CHAT_INGEST_HTTP_PORT: String(port) });
  const store = breakable(await bootstrapped(cfg));
  const eventLog = breakable<EventLog>(createEmbeddedEventLog());
  const svc = await startIngest(cfg, { logger: createLogger("ingest", "silent"), metrics: createMetricsRegistry("ingest", false), adapters: { store: store.adapter, eventLog: eventLog.adapter } });
  try {
    await expectDependencyCycle(port, { store, event_log: eventLog });
  } finally {
    await svc.stop();
  }
});

test("fanout: /ready per dependency (consumer, presence, store)", async () => {
  const port = await freePort();
  const cfg = config({ CHAT_FANOUT_HTTP_PORT: String(port) });
  const store = breakable(await bootstrapped(cfg));
  const presence = breakable<Presence>(createEmbeddedPresence());
  const svc = await startFanout(cfg, {
    logger: createLogger("fanout", "silent"),
    metrics: createMetricsRegistry("fanout", false),
    adapters: { store: store.adapter, presence: presence.adapter, eventLog: createEmbeddedEventLog() },
  });
  try {
    await expectDependencyCycle(port, { presence, store });
    const ready = await get(port, "/ready");
    expect(ready.body.checks.consumer).toBe("ok");
  } finally {
    await svc.stop();
  }
});

describe("chatmgmt", () => {
  let issuer: DevIssuer;
  let svc: RunningChatMgmt;
  afterAll(async () => {
    await svc?.stop();
    await issuer?.close();
  });
  test("/ready per dependency (store, event_log)", async () => {
    const cfg = config({ CHAT_CHATMGMT_PORT: "0", CHAT_CHATMGMT_GRPC_PORT: "0" });
    issuer = await startDevIssuer({ host: "127.0.0.1", port: 0, audience: cfg.identity.audience });
    const store = breakable(await bootstrapped(cfg));
    const eventLog = breakable<EventLog>(createEmbeddedEventLog());
    svc = await startChatMgmt(cfg, {
      store: store.adapter,
      eventLog: eventLog.adapter,
      verifier: await createOidcVerifier({ issuer: issuer.issuer, audience: cfg.identity.audience, algorithms: cfg.identity.algorithms, allowHttp: true }),
      logger: createLogger("chatmgmt", "silent"),
      metrics: createMetricsRegistry("chatmgmt", false),
    });
    await expectDependencyCycle(svc.port, { store, event_log: eventLog });
  });
});

async function bootstrapped(cfg: Config): Promise<Store> {
  const store = createEmbeddedStore({ dataDir: cfg.store.dataDir });
  await store.bootstrap();
  return store;
}
