import type { ConnectionRoute } from "@chat/presence";

export interface Addressed<F> {
  userIds: string[];
  frame: F;
  traceparent?: string;
}

export interface GatewayPlan<F> {
  gatewayId: string;
  deliveries: Array<{ connectionIds: string[]; frame: F; traceparent?: string }>;
}

// Pure: turns "frame F to users U" items into one ordered delivery list per gateway. Order of
// items is kept within every gateway, which is what keeps a chat's messages in seq order.
export function planDeliveries<F>(items: Addressed<F>[], routes: Map<string, ConnectionRoute[]>): GatewayPlan<F>[] {
  const plans = new Map<string, GatewayPlan<F>>();
  for (const item of items) {
    const perGateway = new Map<string, string[]>();
    // A user named twice (a member who is also re-notified) still gets the frame once.
    for (const userId of new Set(item.userIds)) {
      for (const r of routes.get(userId) ?? []) {
        const list = perGateway.get(r.gatewayId) ?? [];
        list.push(r.connectionId);
        perGateway.set(r.gatewayId, list);
      }
    }
    for (const [gatewayId, connectionIds] of perGateway) {
      let plan = plans.get(gatewayId);
      if (!plan) {
        plan = { gatewayId, deliveries: [] };
        plans.set(gatewayId, plan);
      }
      plan.deliveries.push(item.traceparent ? { connectionIds, frame: item.frame, traceparent: item.traceparent } : { connectionIds, frame: item.frame });
    }
  }
  return [...plans.values()];
}
