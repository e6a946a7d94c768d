import type { DescMethodUnary, DescService, MessageShape } from "@bufbuild/protobuf";
import type { GatewayDeliveryService, IngestService } from "@chat/proto";

// What bounds and traces one internal call, whatever carries it (gRPC between processes, a
// function call inside the all-in-one).
export interface CallOptions {
  // Epoch ms after which the caller no longer waits for the answer: the callee may drop work
  // that has not started by then (ingest does, ADR 0017).
  deadlineAtMs?: number;
  // W3C trace context of the caller's span (traceparent, tracestate), ADR 0020; may be empty.
  trace?: Record<string, string>;
}

// A proto service as a port: one async function per unary method, taking the request message
// and the call options. The callee implements it once; the caller holds one without knowing
// whether the call crosses a socket (connect-adapters) or not (direct-adapters).
export type InternalApi<S extends DescService> = {
  [P in keyof S["method"]]: S["method"][P] extends DescMethodUnary<infer I, infer O> ? (req: MessageShape<I>, opts: CallOptions) => Promise<MessageShape<O>> : never;
};

// gateway → ingest: PersistMessage.
export type IngestApi = InternalApi<typeof IngestService>;
// fanout (and the gateway's frame router) → gateway: Deliver.
export type GatewayDeliveryApi = InternalApi<typeof GatewayDeliveryService>;
