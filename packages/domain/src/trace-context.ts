import { randomBytes } from "node:crypto";

// W3C Trace Context (traceparent) without an SDK: enough to carry one trace id from the
// gateway through ingest, the Kafka headers and fanout back to the gateways, and into logs.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function isTraceparent(v: string | null | undefined): v is string {
  const m = v ? TRACEPARENT.exec(v) : null;
  return m !== null && !/^0+$/.test(m[1]) && !/^0+$/.test(m[2]);
}

export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}

// A new span in the same trace (or a new trace when there is no valid parent).
export function childTraceparent(parent?: string | null): string {
  const traceId = isTraceparent(parent) ? traceIdOf(parent) : randomBytes(16).toString("hex");
  return `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
}
