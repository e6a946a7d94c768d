import { ChatError } from "@chat/domain";
import { contextFromHeaders, SpanKind, startSpan } from "@chat/observability";
import type { GatewayDeliveryApi } from "@chat/rpc";
import type { ClientConnection } from "../connection/client-connection";
import type { ConnectionRegistry } from "../connection/connection-registry";
import type { GatewayMetrics } from "../metrics/gateway-metrics";
import { OutgoingFrame } from "../protocol/outgoing-frame";

// The gateway side of fanout: push each frame to the named connections, in request order.
// Served over gRPC, or called directly in the all-in-one.
export function deliveryApi(registry: ConnectionRegistry<ClientConnection>, metrics: Pick<GatewayMetrics, "pushed">): GatewayDeliveryApi {
  return {
    async deliver(req) {
      // Checked for the whole request first, so a bad one pushes nothing: a frame without a
      // kind would reach clients as `{}` (issue 10 item 6).
      req.deliveries.forEach((d, i) => {
        if (!d.frame?.kind.case) throw new ChatError("invalid_argument", `deliveries[${i}].frame has no kind`, { details: { field: `deliveries[${i}].frame` } });
      });
      let delivered = 0;
      let unknown = 0;
      for (const d of req.deliveries) {
        // Last hop of the send's trace: fanout's consume span is the parent.
        const span = d.traceparent ? startSpan("gateway", "gateway.deliver", { kind: SpanKind.SERVER, parent: contextFromHeaders({ traceparent: d.traceparent }) }) : undefined;
        const out = new OutgoingFrame(d.frame!);
        let pushed = 0;
        for (const id of d.connectionIds) {
          const conn = registry.get(id);
          if (conn?.push(out)) pushed++;
          else unknown++;
        }
        delivered += pushed;
        metrics.pushed(d.frame!, d.connectionIds.length, pushed, Date.now());
        span?.end();
      }
      return { $typeName: "messaging.v1.DeliverResponse", delivered, unknownConnections: unknown };
    },
  };
}
