export { createLogger, REDACT_PATHS, type Logger, type DestinationStream } from "./logger";
export { createMetricsRegistry } from "./metrics";
export { startTracing, traceHeaders, contextFromHeaders, activeTraceIds, type Tracing, type TracingOptions } from "./tracing";
export { inSpan, tracedPort, startSpan, spanContext, SpanKind } from "./spans";
export { DependencyHealth } from "./dependency-health";
export { registerDependencyGauge, boundedSampler, renderMetrics, type Sample } from "./dependency-gauge";
export { Registry, Counter, Gauge, Histogram } from "prom-client";
export { InMemorySpanExporter, type SpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
