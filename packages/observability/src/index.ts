export { createLogger, type Logger } from "./logger";
export { createMetricsRegistry } from "./metrics";
export { Registry, Counter, Gauge, Histogram } from "prom-client";
