import { checkDeliveries, type Delivery } from "../stats/correctness";

const d = (group: string, id: string, seq: number): Delivery => ({ group, id, seq });

describe("checkDeliveries", () => {
  const members = new Map([
    ["g1", ["a", "b"]],
    ["g2", ["b"]],
  ]);

  it("passes when every acked message reached every member once, in order", () => {
    const r = checkDeliveries({
      acked: [
        { group: "g1", id: "m1" },
        { group: "g1", id: "m2" },
        { group: "g2", id: "n1" },
      ],
      members,
      received: new Map([
        ["a", [d("g1", "m1", 1), d("g1", "m2", 2)]],
        // interleaving of two groups is fine; order is per group
        ["b", [d("g1", "m1", 1), d("g2", "n1", 7), d("g1", "m2", 2)]],
      ]),
    });
    expect(r).toEqual({ deliveries: 5, duplicates: 0, outOfOrder: 0, missing: [] });
  });

  it("reports duplicates, reordering and the members an acked message missed", () => {
    const r = checkDeliveries({
      acked: [
        { group: "g1", id: "m1" },
        { group: "g1", id: "m2" },
        { group: "g1", id: "m3" },
      ],
      members,
      received: new Map([
        ["a", [d("g1", "m2", 2), d("g1", "m1", 1), d("g1", "m1", 1), d("g1", "m3", 3)]],
        ["b", [d("g1", "m1", 1), d("g1", "m3", 3)]],
      ]),
    });
    expect(r.duplicates).toBe(1);
    expect(r.outOfOrder).toBe(1);
    expect(r.missing).toEqual([{ group: "g1", id: "m2", conn: "b" }]);
    expect(r.deliveries).toBe(6);
  });

  it("does not expect deliveries of unacknowledged messages", () => {
    const r = checkDeliveries({ acked: [], members, received: new Map([["a", [d("g1", "x", 1)]]]) });
    expect(r.missing).toEqual([]);
    expect(r.deliveries).toBe(1);
  });
});
