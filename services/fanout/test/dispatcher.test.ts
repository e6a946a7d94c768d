import type { ConnectionRoute, Presence } from "@chat/presence";
import { DeliveryDispatcher, type Delivery } from "../src/deliver/dispatcher";
import type { LinkObserver } from "../src/deliver/gateway-link";

const observer: LinkObserver = { delivered() {}, skipped() {}, pushDelay() {}, breakerChanged() {} };
const frame = (n: number) => ({ $typeName: "messaging.v1.ServerFrame", n }) as never;

function presenceWith(routes: Record<string, ConnectionRoute[]>): Presence {
  return { connectionsOf: async (users: string[]) => new Map(users.filter((u) => routes[u]).map((u) => [u, routes[u]])) } as unknown as Presence;
}

test("a hung gateway delays neither dispatch() nor the other gateway's deliveries, which keep their order", async () => {
  const presence = presenceWith({ alice: [{ gatewayId: "gw1", connectionId: "a1" } as ConnectionRoute], bob: [{ gatewayId: "gw2", connectionId: "b1" } as ConnectionRoute] });
  const toGw1: Delivery[] = [];
  const deliver = (gatewayId: string, deliveries: Delivery[]) => {
    if (gatewayId === "gw2") return new Promise<number>(() => undefined); // never answers
    toGw1.push(...deliveries);
    return Promise.resolve(deliveries.length);
  };
  const dispatcher = new DeliveryDispatcher(presence, deliver, observer, { failureThreshold: 3, cooldownMs: 1000, maxQueued: 100, maxPerCall: 10 });
  for (let n = 1; n <= 5; n++) await dispatcher.dispatch([{ userIds: ["alice", "bob"], frame: frame(n) }]);
  await new Promise((r) => setImmediate(r));
  expect(toGw1.map((d) => (d.frame as unknown as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
  expect(toGw1.every((d) => d.connectionIds.join() === "a1")).toBe(true);
});
