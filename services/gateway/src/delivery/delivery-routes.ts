import type { ConnectRouter } from "@connectrpc/connect";
import { GatewayDeliveryService } from "@chat/proto";
import type { Counter } from "@chat/observability";
import type { ConnectionRegistry } from "../connection/connection-registry";
import { OutgoingFrame } from "../protocol/outgoing-frame";

// The gateway side of fanout: push each frame to the named connections, in request order.
export function deliveryRoutes(registry: ConnectionRegistry, pushed: Counter<"kind">) {
  return (router: ConnectRouter) =>
    router.service(GatewayDeliveryService, {
      async deliver(req) {
        let delivered = 0;
        let unknown = 0;
        for (const d of req.deliveries) {
          if (!d.frame) continue;
          const out = new OutgoingFrame(d.frame);
          for (const id of d.connectionIds) {
            const conn = registry.get(id);
            if (conn?.push(out)) delivered++;
            else unknown++;
          }
          pushed.inc({ kind: d.frame.kind.case ?? "unknown" }, d.connectionIds.length);
        }
        return { delivered, unknownConnections: unknown };
      },
    });
}
