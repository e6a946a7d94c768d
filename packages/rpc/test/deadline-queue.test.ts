import { DeadlineQueue } from "../src/internal/deadline-queue";

// Deadlines a few ms ahead, waited for with a generous margin: only the order and the outcome
// are asserted, never how late a timer fired.
const waitUntil = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("DeadlineQueue", () => {
  it("expires entries in deadline order, whatever order they were added in", async () => {
    const q = new DeadlineQueue();
    const fired: string[] = [];
    const t = Date.now();
    q.add(t + 30, () => fired.push("c"));
    q.add(t + 10, () => fired.push("a"));
    q.add(t + 20, () => fired.push("b"));
    q.add(t + 20, () => fired.push("b2"));
    await waitUntil(() => fired.length === 4);
    expect(fired).toEqual(["a", "b", "b2", "c"]);
  });

  it("never expires an entry settled before its deadline, and still expires the others", async () => {
    const q = new DeadlineQueue();
    const fired: string[] = [];
    const t = Date.now();
    const first = q.add(t + 5, () => fired.push("settled"));
    q.add(t + 10, () => fired.push("late"));
    first.settle();
    first.settle();
    await waitUntil(() => fired.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toEqual(["late"]);
  });

  it("expires an entry whose deadline has already passed on the next timer turn", async () => {
    const q = new DeadlineQueue();
    let fired = false;
    q.add(Date.now() - 1, () => (fired = true));
    expect(fired).toBe(false);
    await waitUntil(() => fired);
  });

  it("keeps working after the queue drained (entries added later still expire)", async () => {
    const q = new DeadlineQueue();
    const fired: number[] = [];
    q.add(Date.now() + 1, () => fired.push(1));
    await waitUntil(() => fired.length === 1);
    q.add(Date.now() + 1, () => fired.push(2));
    await waitUntil(() => fired.length === 2);
    expect(fired).toEqual([1, 2]);
  });
});
