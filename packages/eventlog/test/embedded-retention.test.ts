import type { EventBatch, EventRecord } from "../src/port";
import { eventually } from "../src/contract/helpers";
import { createEmbeddedEventLog } from "../src/embedded";

// ADR 0031: the embedded log keeps in memory only what some group has yet to read (plus a small
// tail), and at most maxRecordsPerPartition unread records; before, it kept every record of the
// process's lifetime.

const TOPIC = "retention";
const value = (i: number) => new TextEncoder().encode(String(i));
const text = (r: EventRecord) => new TextDecoder().decode(r.value);

describe("embedded event log retention", () => {
  it("releases records once every group has committed them, keeping only a short tail for late readers", async () => {
    const log = createEmbeddedEventLog({ maxRecordsPerPartition: 100_000 });
    await log.ensureTopics([{ name: TOPIC, partitions: 1 }]);
    let read = 0;
    const first = await log.subscribe({ groupId: "reader", topics: [TOPIC], handleBatch: async (b) => void (read += b.records.length) });
    for (let i = 0; i < 5000; i += 100) await log.publish(TOPIC, Array.from({ length: 100 }, (_, j) => ({ key: "k", value: value(i + j), headers: {} })));
    await eventually("the reader has all 5000", () => read === 5000);

    const late: EventRecord[] = [];
    const second = await log.subscribe({ groupId: "late", topics: [TOPIC], fromBeginning: true, handleBatch: async (b) => void late.push(...b.records) });
    await eventually("the late group reached the end", () => late.length > 0 && late[late.length - 1].offset === "4999");
    expect(late.length).toBeLessThanOrEqual(512);
    expect(text(late[late.length - 1])).toBe("4999");
    await Promise.all([first.stop(), second.stop()]);
    await log.close();
  });

  it("drops the oldest unread records past the cap, reports them, and the lagging group goes on from what is left in order", async () => {
    const dropped: number[] = [];
    const log = createEmbeddedEventLog({ maxRecordsPerPartition: 1000, onDropped: (topic, partition, count) => void (topic === TOPIC && partition === 0 && dropped.push(count)) });
    await log.ensureTopics([{ name: TOPIC, partitions: 1 }]);
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const got: EventRecord[] = [];
    const sub = await log.subscribe({
      groupId: "stuck",
      topics: [TOPIC],
      handleBatch: async (b: EventBatch) => {
        await blocked;
        got.push(...b.records);
      },
    });
    for (let i = 0; i < 3000; i++) await log.publish(TOPIC, [{ key: "k", value: value(i), headers: {} }]);
    expect(dropped.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    release();
    await eventually("the stuck group reached the end", () => got.length > 0 && got[got.length - 1].offset === "2999");
    // The first batch was handed out before the drop; after it the group skips to the oldest kept record.
    const offsets = got.map((r) => Number(r.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(got.length).toBeLessThan(3000);
    expect(got.length - 1).toBeLessThanOrEqual(1000 + 125);
    await sub.stop();
    await log.close();
  });
});
