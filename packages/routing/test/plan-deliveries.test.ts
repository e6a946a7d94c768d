import type { ConnectionRoute } from "@chat/presence";
import { planDeliveries, type Addressed } from "../src/plan-deliveries";

function routes(...list: Array<[userId: string, gatewayId: string, connectionId: string]>): Map<string, ConnectionRoute[]> {
  const m = new Map<string, ConnectionRoute[]>();
  for (const [userId, gatewayId, connectionId] of list) {
    const l = m.get(userId) ?? [];
    l.push({ userId, gatewayId, connectionId });
    m.set(userId, l);
  }
  return m;
}

describe("planDeliveries", () => {
  it("returns no plan for no items", () => {
    expect(planDeliveries([], routes(["a", "g1", "c1"]))).toEqual([]);
  });

  it("makes one plan per gateway with each frame's connections on that gateway", () => {
    const r = routes(["alice", "g1", "a1"], ["bob", "g2", "b1"], ["carol", "g1", "c1"]);
    const plans = planDeliveries([{ userIds: ["alice", "bob", "carol"], frame: "F1" }], r);
    expect(plans).toEqual([
      { gatewayId: "g1", deliveries: [{ connectionIds: ["a1", "c1"], frame: "F1" }] },
      { gatewayId: "g2", deliveries: [{ connectionIds: ["b1"], frame: "F1" }] },
    ]);
  });

  it("batches several frames into the same gateway plan instead of one plan per frame", () => {
    const r = routes(["alice", "g1", "a1"]);
    const plans = planDeliveries(
      [
        { userIds: ["alice"], frame: 1 },
        { userIds: ["alice"], frame: 2 },
      ],
      r,
    );
    expect(plans).toHaveLength(1);
    expect(plans[0].deliveries.map((d) => d.frame)).toEqual([1, 2]);
  });

  it("keeps item order within every gateway", () => {
    const r = routes(["alice", "g1", "a1"], ["bob", "g2", "b1"], ["carol", "g3", "c1"]);
    const items: Addressed<string>[] = [
      { userIds: ["alice", "bob"], frame: "seq1" },
      { userIds: ["carol"], frame: "seq2" },
      { userIds: ["bob"], frame: "seq3" },
      { userIds: ["alice", "bob", "carol"], frame: "seq4" },
      { userIds: ["alice"], frame: "seq5" },
    ];
    const byGateway = Object.fromEntries(planDeliveries(items, r).map((p) => [p.gatewayId, p.deliveries.map((d) => d.frame)]));
    expect(byGateway).toEqual({
      g1: ["seq1", "seq4", "seq5"],
      g2: ["seq1", "seq3", "seq4"],
      g3: ["seq2", "seq4"],
    });
  });

  it("orders plans by the gateway's first appearance", () => {
    const r = routes(["a", "gB", "1"], ["b", "gA", "2"]);
    expect(planDeliveries([{ userIds: ["a"], frame: 0 }, { userIds: ["b"], frame: 1 }], r).map((p) => p.gatewayId)).toEqual(["gB", "gA"]);
  });

  it("skips users without routes and items that reach nobody", () => {
    const r = routes(["alice", "g1", "a1"]);
    const plans = planDeliveries(
      [
        { userIds: ["offline1", "alice", "offline2"], frame: "x" },
        { userIds: ["offline1"], frame: "nobody" },
        { userIds: [], frame: "empty" },
      ],
      r,
    );
    expect(plans).toEqual([{ gatewayId: "g1", deliveries: [{ connectionIds: ["a1"], frame: "x" }] }]);
  });

  it("returns no plan when nobody is connected", () => {
    expect(planDeliveries([{ userIds: ["a", "b"], frame: 1 }], new Map())).toEqual([]);
  });

  it("delivers to every connection of a user connected to two gateways", () => {
    const r = routes(["alice", "g1", "a-laptop"], ["alice", "g2", "a-phone"], ["alice", "g1", "a-tablet"]);
    const plans = planDeliveries([{ userIds: ["alice"], frame: "hello" }], r);
    expect(plans).toEqual([
      { gatewayId: "g1", deliveries: [{ connectionIds: ["a-laptop", "a-tablet"], frame: "hello" }] },
      { gatewayId: "g2", deliveries: [{ connectionIds: ["a-phone"], frame: "hello" }] },
    ]);
  });

  it("passes the frame object through by reference", () => {
    const frame = { kind: "message", seq: 1n };
    const plans = planDeliveries([{ userIds: ["a"], frame }], routes(["a", "g", "c"]));
    expect(plans[0].deliveries[0].frame).toBe(frame);
  });
});

test("a user named twice in one item gets the frame once per connection", () => {
  const routes = new Map([["u1", [{ userId: "u1", gatewayId: "g1", connectionId: "c1" }]]]);
  const plans = planDeliveries([{ userIds: ["u1", "u1"], frame: "f" }], routes);
  expect(plans).toEqual([{ gatewayId: "g1", deliveries: [{ connectionIds: ["c1"], frame: "f" }] }]);
});
