import type { ConnectionRoute, Presence } from "@chat/presence";
import type { ServerFrame } from "@chat/proto";
import { planDeliveries, type Addressed, type GatewayPlan } from "@chat/routing";
import { GatewayLink, type LinkObserver, type LinkOptions } from "./gateway-link";

export type Delivery = GatewayPlan<ServerFrame>["deliveries"][number];
export type DeliverCall = (gatewayId: string, deliveries: Delivery[]) => Promise<number>;

// Turns "frame F to users U" items into per-gateway deliveries and hands them to each gateway's
// link. dispatch() waits for the route lookup only, never for a gateway: a gateway that hangs
// delays its own users, not the partition's next batch nor the other gateways.
export class DeliveryDispatcher {
  private readonly links = new Map<string, GatewayLink<Delivery>>();

  constructor(
    private readonly presence: Presence,
    private readonly deliver: DeliverCall,
    private readonly observer: LinkObserver,
    private readonly options: LinkOptions,
  ) {}

  // `known`: routes already looked up (a chat's online members); the other users are looked up
  // here. A user absent from `known` but named by an item is looked up, never assumed offline.
  async dispatch(items: Addressed<ServerFrame>[], known?: ReadonlyMap<string, ConnectionRoute[]>): Promise<void> {
    const users = new Set<string>();
    for (const item of items) for (const u of item.userIds) if (!known?.has(u)) users.add(u);
    const looked = users.size > 0 ? await this.presence.connectionsOf([...users]) : new Map<string, ConnectionRoute[]>();
    if (looked.size === 0 && !known?.size) return;
    const routes = known?.size ? new Map([...known, ...looked]) : looked;
    // Synchronous from here on: the hand-over order is the record order.
    for (const plan of planDeliveries(items, routes)) this.linkFor(plan.gatewayId).enqueue(plan.deliveries);
    this.forgetIdleLinks();
  }

  // Waits until every delivery handed over so far went out or was skipped (graceful stop).
  async flush(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.idle()));
  }

  breakerStates(): Record<string, string> {
    return Object.fromEntries([...this.links].map(([id, l]) => [id, l.breaker.state]));
  }

  private linkFor(gatewayId: string): GatewayLink<Delivery> {
    let link = this.links.get(gatewayId);
    if (!link) {
      link = new GatewayLink(gatewayId, (d) => this.deliver(gatewayId, d), this.observer, this.options);
      this.links.set(gatewayId, link);
    }
    return link;
  }

  // Gateways come and go (every deploy brings new ids); a link with nothing queued and nothing
  // to remember about its gateway's health is dropped.
  private forgetIdleLinks(): void {
    for (const [id, link] of this.links) if (!link.busy && link.breaker.pristine) this.links.delete(id);
  }
}
