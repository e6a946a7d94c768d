import { collectDefaultMetrics, Registry } from "prom-client";

// One registry per service process (all-in-one merges them on one /metrics).
export function createMetricsRegistry(service: string, withDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}
