import type { ConnectRouter } from "@connectrpc/connect";
import { ChatError } from "@chat/domain";
import { GatewayDeliveryService } from "@chat/proto";
import { contextFromHeaders, SpanKind, startSpan, type Counter } from "@chat/observability";
import type { ClientConnection } from "../connection/client-connection";
import type { ConnectionRegistry } from "../connection/connection-registry";
import { OutgoingFrame } from "../protocol/outgoing-frame";

// The gateway side of fanout: push each frame to the named connections, in request order.
export function deliveryRoutes(registry: ConnectionRegistry<ClientConnection>, pushed: Counter<"kind">) {
  return (router: ConnectRouter) =>
    router.service(GatewayDeliveryService, {
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
          for (const id of d.connectionIds) {
            const conn = registry.get(id);
            if (conn?.push(out)) delivered++;
            else unknown++;
          }
          pushed.inc({ kind: d.frame!.kind.case! }, d.connectionIds.length);
          span?.end();
        }
        return { delivered, unknownConnections: unknown };
      },
    });
}
