import { Registry } from "prom-client";
import { registerDependencyGauge, renderMetrics } from "../src/dependency-gauge";

function registryWith(read: () => Promise<number>, timeoutMs = 200): Registry {
  const registry = new Registry();
  registerDependencyGauge({ registry, name: "test_lag", help: "lag", timeoutMs, read });
  return registry;
}

test("a dependency read that rejects still yields a 200 scrape, the last good value and _up 0", async () => {
  let fail = false;
  const registry = registryWith(async () => {
    if (fail) throw new Error("broker unreachable");
    return 7;
  });
  const ok = await renderMetrics(registry);
  expect(ok.status).toBe(200);
  expect(ok.body).toMatch(/^test_lag 7$/m);
  expect(ok.body).toMatch(/^test_lag_up 1$/m);

  fail = true;
  const down = await renderMetrics(registry);
  expect(down.status).toBe(200);
  expect(down.body).toMatch(/^test_lag 7$/m);
  expect(down.body).toMatch(/^test_lag_up 0$/m);
});

test("a dependency read that hangs is cut off at the timeout", async () => {
  const registry = registryWith(() => new Promise<number>(() => undefined), 100);
  const started = Date.now();
  const m = await renderMetrics(registry);
  expect(m.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(m.body).toMatch(/^test_lag_up 0$/m);
});

test("a collector that throws makes renderMetrics answer 500, never reject", async () => {
  const registry = new Registry();
  const { Gauge } = await import("prom-client");
  new Gauge({
    name: "broken",
    help: "throws",
    registers: [registry],
    collect() {
      throw new Error("boom");
    },
  });
  const m = await renderMetrics(registry);
  expect(m.status).toBe(500);
  expect(m.body).toContain("boom");
});
