import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { tracingEnabled } from "./tracing";

export { SpanKind };

// With tracing off, the one non-recording span every call gets (what the no-op API would make).
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

// Runs fn inside a span of `service` (the tracer name: all-in-one runs several services in one
// provider, so the instrumentation scope names the service). Errors mark the span and rethrow.

export function inSpan<T>(service: string, name: string, opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!tracingEnabled()) {
    try {
      return fn(NO_SPAN);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  const tracer = trace.getTracer(service);
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  });
}

// Wraps every method of a port so each call made inside a recording span becomes a child span
// ("store.commitMessage"). Calls outside a trace stay untraced: no orphan root spans.
export function tracedPort<T extends object>(service: string, prefix: string, port: T): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        if (!tracingEnabled() || !trace.getActiveSpan()?.isRecording()) return (value as (...a: unknown[]) => unknown).apply(target, args);
        return inSpan(service, `${prefix}.${prop}`, { kind: SpanKind.CLIENT }, async () => (value as (...a: unknown[]) => unknown).apply(target, args));
      };
    },
  });
}

// A span that is not made active, for work that is batched after it starts (fanout hands many
// records to one Deliver call); end it yourself. spanHeaders gives its W3C headers.
export function startSpan(service: string, name: string, opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context }): Span {
  if (!tracingEnabled()) return NO_SPAN;
  return trace.getTracer(service).startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active());
}

export function spanContext(span: Span): Context {
  if (!tracingEnabled()) return ROOT_CONTEXT;
  return trace.setSpan(context.active(), span);
}
