import { planBatch, type PlannedSend } from "../src/persist/batch-plan";

// Pure planning of a group commit: which queued sends the next transaction takes.

const s = (chatId: string, senderId: string, clientMessageId: string, extra: Partial<PlannedSend> = {}): PlannedSend => ({ chatId, senderId, clientMessageId, bytes: 1000, ...extra });
const ids = (plan: ReturnType<typeof planBatch>) => [...plan.chats.values()].flat().map((x) => x.clientMessageId);

test("takes queued sends in order across chats, skipping chats already in a commit (their sends keep their place)", () => {
  const queue = [s("a", "u1", "1"), s("b", "u1", "2"), s("a", "u2", "3"), s("c", "u1", "4")];
  const plan = planBatch(queue, new Set(["b"]));
  expect([...plan.chats.keys()]).toEqual(["a", "c"]);
  expect(ids(plan)).toEqual(["1", "3", "4"]);
  expect(plan.full).toBe(false);
  expect(plan.taken.has(queue[1])).toBe(false);
});

test("stops at the first send that does not fit the transaction's items; that one and the rest wait", () => {
  // Each send of a new chat and sender costs 5 items: 20 fit in 100.
  const queue = Array.from({ length: 25 }, (_, i) => s(`c${i}`, "u", `m${i}`));
  const plan = planBatch(queue, new Set());
  expect(plan.taken.size).toBe(20);
  expect(plan.full).toBe(true);
  // A chat's further sends by the same sender cost 3 items each.
  expect(planBatch(Array.from({ length: 40 }, (_, i) => s("one", "u", `m${i}`)), new Set()).taken.size).toBe(32);
});

test("stops at the byte budget, but always takes one send", () => {
  const queue = [s("a", "u", "1", { bytes: 2_000_000 }), s("b", "u", "2", { bytes: 2_000_000 })];
  expect(ids(planBatch(queue, new Set(), { maxItems: 100, maxBytes: 3_000_000 }))).toEqual(["1"]);
  expect(ids(planBatch([s("a", "u", "big", { bytes: 5_000_000 })], new Set(), { maxItems: 100, maxBytes: 3_000_000 }))).toEqual(["big"]);
});

test("a second send with the same idempotency key rides along with the first and costs nothing", () => {
  const queue = [s("a", "u", "k"), s("a", "u", "k"), s("a", "u", "other")];
  const plan = planBatch(queue, new Set());
  expect(ids(plan)).toEqual(["k", "other"]);
  expect(plan.followers.get(queue[1])).toBe(queue[0]);
  expect(plan.taken.size).toBe(3);
});

test("a batch does not grow past what its most hurried caller can wait for", () => {
  // A commit costs 100 ms per send; the second send's caller waits 250 ms more.
  const fits = (sends: number, earliest: number | undefined) => earliest === undefined || sends * 100 <= earliest;
  const queue = [s("a", "u", "1", { deadlineAtMs: 1000 }), s("b", "u", "2", { deadlineAtMs: 250 }), s("c", "u", "3"), s("d", "u", "4")];
  expect(ids(planBatch(queue, new Set(), undefined, fits))).toEqual(["1", "2"]);
  // The first send is always taken, whatever its deadline.
  expect(ids(planBatch([s("a", "u", "late", { deadlineAtMs: 10 })], new Set(), undefined, fits))).toEqual(["late"]);
});
