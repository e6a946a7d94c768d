import type { Presence } from "@chat/presence";
import type { DeliverRequest } from "@chat/proto";
import type { GatewayDeliveryApi } from "@chat/rpc";
import type { DeliverCall } from "./dispatcher";
import { UnknownGatewayError } from "./gateway-link";

// Deliver to the address the gateway registered in presence, with a deadline: over gRPC, or a
// direct call in the all-in-one (whatever `apiFor` gives). The address is looked up again after
// any failure: a restarted gateway may have a new one.
export function deliverCall(presence: Presence, apiFor: (address: string) => GatewayDeliveryApi, timeoutMs: number): DeliverCall {
  const apis = new Map<string, GatewayDeliveryApi>();
  return async (gatewayId, deliveries) => {
    let api = apis.get(gatewayId);
    if (!api) {
      const address = await presence.gatewayAddress(gatewayId);
      if (!address) throw new UnknownGatewayError(gatewayId);
      api = apiFor(address);
      apis.set(gatewayId, api);
    }
    try {
      // Built for this call alone and never touched again: a direct call may hand it over as is.
      // Literals, not create() (which would reflect over every delivery).
      const req: DeliverRequest = {
        $typeName: "messaging.v1.DeliverRequest",
        deliveries: deliveries.map((d) => ({ $typeName: "messaging.v1.Delivery", connectionIds: d.connectionIds, frame: d.frame, traceparent: d.traceparent ?? "" })),
      };
      return (await api.deliver(req, { deadlineAtMs: Date.now() + timeoutMs })).delivered;
    } catch (err) {
      apis.delete(gatewayId);
      throw err;
    }
  };
}
