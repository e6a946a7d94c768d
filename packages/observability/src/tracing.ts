import { context, propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface TracingOptions {
  enabled: boolean;
  // `service.name` of every span this process exports (a backend groups traces by it; without it
  // they show as unknown_service). All-in-one is one process: "chat-all-in-one".
  serviceName: string;
  // OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces); none = spans are made
  // (ids propagate, logs carry them) but not exported.
  otlpEndpoint?: string;
  // Head sampling ratio for new traces; children follow their parent's decision.
  sampleRatio?: number;
  // Tests: spans go here synchronously.
  exporter?: SpanExporter;
}

export interface Tracing {
  enabled: boolean;
  shutdown(): Promise<void>;
}

// Whether a tracer provider is registered. While none is, the helpers here and in spans.ts skip
// the OpenTelemetry API altogether (no span, context or carrier objects per call): the no-op
// API still costs a few allocations and closures per call, on every message (ADR 0032).
let tracingOn = false;

export function tracingEnabled(): boolean {
  return tracingOn;
}

// One tracer provider per process (the OpenTelemetry API is global). Disabled tracing registers
// nothing: the API then hands out no-op spans, so a send costs no id generation at all.
export function startTracing(opts: TracingOptions): Tracing {
  if (!opts.enabled) return { enabled: false, shutdown: async () => undefined };
  const processors: SpanProcessor[] = [];
  if (opts.exporter) processors.push(new SimpleSpanProcessor(opts.exporter));
  if (opts.otlpEndpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.otlpEndpoint })));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(opts.sampleRatio ?? 1) }),
    spanProcessors: processors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  tracingOn = true;
  return {
    enabled: true,
    async shutdown() {
      tracingOn = false;
      await provider.shutdown();
      // Lets a later process-local start (tests run many all-in-ones) register again.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

// W3C trace context of the active span as headers (traceparent, tracestate); empty when
// there is no valid span.
export function traceHeaders(ctx?: Context): Record<string, string> {
  if (!tracingOn) return {};
  ctx ??= context.active();
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

// The context carried by incoming headers (a plain object or a fetch Headers).
export function contextFromHeaders(headers: Record<string, string | undefined> | { get(name: string): string | null } | undefined): Context {
  if (!tracingOn) return ROOT_CONTEXT;
  if (!headers) return context.active();
  const get = (k: string) => (typeof headers.get === "function" ? ((headers as { get(n: string): string | null }).get(k) ?? undefined) : (headers as Record<string, string | undefined>)[k]);
  return propagation.extract(context.active(), headers, {
    keys: () => ["traceparent", "tracestate"],
    get: (_c, k) => get(k),
  });
}

// trace_id / span_id of the active span, for log lines.
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  if (!tracingOn) return undefined;
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : undefined;
}
