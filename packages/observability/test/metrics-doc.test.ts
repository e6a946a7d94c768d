import { readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";

// Every metric a service registers must be listed in docs/operations.md. The names are read
// from the sources (every `name: "..."` of a Counter/Gauge/Histogram or a registerDependencyGauge,
// which also registers `<name>_up`), so a new metric without a doc line fails here.
const ROOT = resolve(import.meta.dirname, "../../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = resolve(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" || f === "gen" ? [] : sourceFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

function registeredMetricNames(): string[] {
  const files = ["services", "packages"].flatMap((d) => sourceFiles(resolve(ROOT, d))).filter((f) => f.includes("/src/"));
  const names = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*"([a-z_:][a-z0-9_:]*)"/g)) names.add(m[1]);
    for (const m of text.matchAll(/registerDependencyGauge\(\{[^}]*?name:\s*"([a-z_:][a-z0-9_:]*)"/gs)) {
      names.add(m[1]);
      names.add(`${m[1]}_up`);
    }
  }
  return [...names].sort();
}

test("every registered metric is documented in docs/operations.md", () => {
  const names = registeredMetricNames();
  // Guards the guard: the scan really finds the services' metrics.
  expect(names).toEqual(expect.arrayContaining(["gateway_messages_received_total", "fanout_consumer_lag", "fanout_consumer_lag_up", "durability_persist_duration_seconds"]));
  const doc = readFileSync(resolve(ROOT, "docs/operations.md"), "utf8");
  expect(names.filter((n) => !doc.includes(`\`${n}`))).toEqual([]);
});
