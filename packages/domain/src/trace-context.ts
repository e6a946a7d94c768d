// W3C Trace Context (traceparent) validation. Making and propagating trace context is the
// OpenTelemetry SDK's job (packages/observability); this pure check is what tests and guards
// use to say a header is well-formed.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function isTraceparent(v: string | null | undefined): v is string {
  const m = v ? TRACEPARENT.exec(v) : null;
  return m !== null && !/^0+$/.test(m[1]) && !/^0+$/.test(m[2]);
}

export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}

export function spanIdOf(traceparent: string): string {
  return traceparent.slice(36, 52);
}
