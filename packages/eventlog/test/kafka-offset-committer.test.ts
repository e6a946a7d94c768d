import { OffsetCommitter, type TopicOffsets } from "../src/kafka/offset-committer";

// Positions are committed per interval, all partitions in one request (ADR 0038).
function clock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

// A committer whose partitions m/0, m/1 and x/2 have had their first commit.
async function warmed(c: ReturnType<typeof clock>, intervalMs: number): Promise<OffsetCommitter> {
  const positions = new OffsetCommitter(intervalMs, c.now);
  for (const [topic, partition] of [["m", 0], ["m", 1], ["x", 2]] as const) positions.handled(topic, partition, "0");
  await positions.commit(async () => undefined);
  return positions;
}

test("a partition's first handled position is committed at once: the group has none, and a new owner would start at the end", async () => {
  const c = clock();
  const positions = new OffsetCommitter(60_000, c.now);
  positions.handled("m", 0, "3");
  expect(positions.due()).toBe(true);
  await positions.commit(async () => undefined);
  positions.handled("m", 0, "4");
  expect(positions.due()).toBe(false);
  positions.handled("m", 1, "1");
  expect(positions.due()).toBe(true);
  // After a new assignment every partition's first position is urgent again.
  await positions.commit(async () => undefined);
  positions.keepOnly({ m: [0, 1] });
  positions.handled("m", 0, "5");
  expect(positions.due()).toBe(true);
});

test("nothing is due before the interval; then every partition's latest handled position goes in one commit", async () => {
  const c = clock();
  const positions = await warmed(c, 1000);
  positions.handled("m", 0, "5");
  positions.handled("m", 1, "3");
  positions.handled("m", 0, "9");
  positions.handled("x", 2, "1");
  expect(positions.due()).toBe(false);
  c.advance(1000);
  expect(positions.due()).toBe(true);
  const commits: TopicOffsets[] = [];
  await positions.commit(async (o) => void commits.push(o));
  expect(commits).toEqual([{ topics: [{ topic: "m", partitions: [{ partition: 0, offset: "9" }, { partition: 1, offset: "3" }] }, { topic: "x", partitions: [{ partition: 2, offset: "1" }] }] }]);
  // Committed: nothing pending, and the interval starts again.
  expect(positions.due()).toBe(false);
  positions.handled("m", 0, "10");
  expect(positions.due()).toBe(false);
});

test("interval 0 commits after every batch; a stopping subscription commits at once", async () => {
  const every = await warmed(clock(), 0);
  every.handled("m", 0, "1");
  expect(every.due()).toBe(true);
  const stopping = await warmed(clock(), 60_000);
  stopping.handled("m", 0, "1");
  expect(stopping.due()).toBe(false);
  stopping.flushFromNowOn();
  expect(stopping.due()).toBe(true);
});

test("a failed commit keeps the positions for the next one; a position handled during a commit stays pending", async () => {
  const c = clock();
  const positions = await warmed(c, 100);
  positions.handled("m", 0, "4");
  c.advance(100);
  await expect(positions.commit(() => Promise.reject(new Error("coordinator moved")))).rejects.toThrow("coordinator moved");
  c.advance(100);
  const commits: TopicOffsets[] = [];
  await positions.commit(async (o) => {
    positions.handled("m", 0, "7"); // a batch finished while the request was out
    commits.push(o);
  });
  expect(commits[0].topics[0].partitions).toEqual([{ partition: 0, offset: "4" }]);
  c.advance(100);
  await positions.commit(async (o) => void commits.push(o));
  expect(commits[1].topics[0].partitions).toEqual([{ partition: 0, offset: "7" }]);
});

test("positions of partitions handed to another member are dropped, never committed over theirs", async () => {
  const c = clock();
  const positions = new OffsetCommitter(100, c.now);
  positions.handled("m", 0, "4");
  positions.handled("m", 1, "8");
  positions.keepOnly({ m: [1] });
  c.advance(100);
  const commits: TopicOffsets[] = [];
  await positions.commit(async (o) => void commits.push(o));
  expect(commits).toEqual([{ topics: [{ topic: "m", partitions: [{ partition: 1, offset: "8" }] }] }]);
});
