import { ChatError } from "@chat/domain";
import { ChatLanes } from "../src/persist/chat-lanes";

// Backpressure of the chat lanes (issue 10 item 9): bounded per chat and in total, work whose
// deadline passed is dropped before it runs, and work that cannot finish in time is refused at
// once. A fake clock: no timing luck.

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; retryAfterMs?: number } | "ok"> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (!(e instanceof ChatError)) throw e;
    return { code: e.code, retryAfterMs: e.retryAfterMs };
  }
}

test("a chat's lane holds at most maxPerChat items; the next is refused unavailable with a retry-after; other chats go on", async () => {
  const lanes = new ChatLanes({ maxPerChat: 3, maxTotal: 100 });
  const g = gate();
  const held = [1, 2, 3].map(() => lanes.run("c1", () => g.opened));
  const refused = await codeOf(lanes.run("c1", async () => "never"));
  expect(refused).toMatchObject({ code: "unavailable" });
  expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(100);
  await expect(lanes.run("c2", async () => "other chat")).resolves.toBe("other chat");
  expect(lanes.load("c1")).toBe(3);
  g.open();
  await Promise.all(held);
  expect(lanes.load()).toBe(0);
  await expect(lanes.run("c1", async () => "again")).resolves.toBe("again");
});

test("all lanes together hold at most maxTotal items", async () => {
  const lanes = new ChatLanes({ maxPerChat: 10, maxTotal: 4 });
  const g = gate();
  const held = ["a", "b", "c", "d"].map((c) => lanes.run(c, () => g.opened));
  expect(await codeOf(lanes.run("e", async () => 1))).toMatchObject({ code: "unavailable" });
  g.open();
  await Promise.all(held);
  await expect(lanes.run("e", async () => 1)).resolves.toBe(1);
});

test("an item whose deadline passed while it waited is dropped without running", async () => {
  let now = 1000;
  const lanes = new ChatLanes({ maxPerChat: 10, maxTotal: 10 }, () => now);
  const g = gate();
  const first = lanes.run("c1", () => g.opened);
  let ran = false;
  const late = lanes.run(
    "c1",
    async () => {
      ran = true;
    },
    { deadlineAtMs: 1500 },
  );
  now = 2000; // the first item took longer than the second one's caller waits
  g.open();
  await first;
  expect(await codeOf(late)).toMatchObject({ code: "deadline_exceeded" });
  expect(ran).toBe(false);
});

test("work that cannot finish before its deadline at the observed pace is refused at once", async () => {
  let now = 0;
  const lanes = new ChatLanes({ maxPerChat: 100, maxTotal: 100 }, () => now);
  // Each item takes 100 ms (of the fake clock).
  const slow = async () => {
    now += 100;
  };
  await lanes.run("c1", slow);
  const g = gate();
  const queued = [lanes.run("c1", () => g.opened), ...[1, 2, 3, 4].map(() => lanes.run("c1", slow))];
  // 5 ahead at ~100 ms each: a caller with 300 ms left is told at once, with a retry-after.
  const refused = await codeOf(lanes.run("c1", slow, { deadlineAtMs: now + 300 }));
  expect(refused).toMatchObject({ code: "unavailable" });
  expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(400);
  // With time enough, it queues; without a deadline, it is never refused for time.
  const patient = lanes.run("c1", slow, { deadlineAtMs: now + 10_000 });
  const noDeadline = lanes.run("c1", slow);
  g.open();
  await Promise.all([...queued, patient, noDeadline]);
});

test("without limits (the default) nothing is refused", async () => {
  const lanes = new ChatLanes();
  await Promise.all(Array.from({ length: 500 }, (_, i) => lanes.run("c1", async () => i)));
});
