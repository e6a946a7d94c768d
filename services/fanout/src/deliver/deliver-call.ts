import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import type { Presence } from "@chat/presence";
import { GatewayDeliveryService } from "@chat/proto";
import type { TransportFactory } from "@chat/rpc";
import type { DeliverCall } from "./dispatcher";
import { UnknownGatewayError } from "./gateway-link";

// Deliver over gRPC to the address the gateway registered in presence, with a deadline. The
// address is looked up again after any failure: a restarted gateway may have a new one.
export function grpcDeliverCall(presence: Presence, transports: TransportFactory, interceptors: Interceptor[], timeoutMs: number): DeliverCall {
  const clients = new Map<string, Client<typeof GatewayDeliveryService>>();
  return async (gatewayId, deliveries) => {
    let client = clients.get(gatewayId);
    if (!client) {
      const address = await presence.gatewayAddress(gatewayId);
      if (!address) throw new UnknownGatewayError(gatewayId);
      client = createClient(GatewayDeliveryService, transports.forAddress(address, interceptors));
      clients.set(gatewayId, client);
    }
    try {
      return (await client.deliver({ deliveries }, { timeoutMs })).delivered;
    } catch (err) {
      clients.delete(gatewayId);
      throw err;
    }
  };
}
