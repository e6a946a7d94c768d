import { create } from "@bufbuild/protobuf";
import type { Presence } from "@chat/presence";
import { DeliverRequestSchema, type ServerFrame } from "@chat/proto";
import type { GatewayDeliveryApi } from "@chat/rpc";
import { planDeliveries, type Addressed } from "./plan-deliveries";

export interface RouteOutcome {
  gateways: number;
  delivered: number;
  // Gateways that were unknown, expired or failed: best effort, clients recover by sync.
  failedGateways: string[];
}

// Pushes frames to whichever gateways hold the users' live connections: one batched Deliver
// call per gateway, all gateways in parallel.
export class FrameRouter {
  private readonly clients = new Map<string, GatewayDeliveryApi>();

  constructor(
    private readonly presence: Presence,
    // The gateway's Deliver port at an address (gRPC, or a direct call in the all-in-one).
    private readonly apiFor: (address: string) => GatewayDeliveryApi,
    private readonly deadlineMs = 2000,
  ) {}

  async route(items: Addressed<ServerFrame>[]): Promise<RouteOutcome> {
    const users = [...new Set(items.flatMap((i) => i.userIds))];
    if (users.length === 0) return { gateways: 0, delivered: 0, failedGateways: [] };
    const routes = await this.presence.connectionsOf(users);
    const plans = planDeliveries(items, routes);
    const results = await Promise.all(
      plans.map(async (plan) => {
        try {
          const client = await this.clientFor(plan.gatewayId);
          if (!client) return { gatewayId: plan.gatewayId, delivered: -1 };
          const res = await client.deliver(create(DeliverRequestSchema, { deliveries: plan.deliveries }), { deadlineAtMs: Date.now() + this.deadlineMs });
          return { gatewayId: plan.gatewayId, delivered: res.delivered };
        } catch {
          this.clients.delete(plan.gatewayId);
          return { gatewayId: plan.gatewayId, delivered: -1 };
        }
      }),
    );
    return {
      gateways: plans.length,
      delivered: results.reduce((n, r) => n + Math.max(0, r.delivered), 0),
      failedGateways: results.filter((r) => r.delivered < 0).map((r) => r.gatewayId),
    };
  }

  private async clientFor(gatewayId: string): Promise<GatewayDeliveryApi | undefined> {
    const cached = this.clients.get(gatewayId);
    if (cached) return cached;
    const address = await this.presence.gatewayAddress(gatewayId);
    if (!address) return undefined;
    const client = this.apiFor(address);
    this.clients.set(gatewayId, client);
    return client;
  }
}
