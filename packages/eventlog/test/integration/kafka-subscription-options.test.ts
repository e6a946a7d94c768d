import { randomUUID } from "node:crypto";
import kafkajs from "kafkajs";
import type { EventRecord } from "../../src";
import { createKafkaEventLog } from "../../src/kafka";
import { until } from "../../../../tests/support/until";

// The subscription options a reader of its own uses (the membership cache's invalidation,
// ADR 0034): onFetch reports every fetch, with records or not, and commitOffsets: false leaves
// the group without a committed position.
const brokers = process.env.CHAT_KAFKA_BROKERS?.split(",").filter(Boolean) ?? [];
if (brokers.length === 0) throw new Error("CHAT_KAFKA_BROKERS is not set: run through scripts/with-infra.sh");
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const encode = (s: string) => new TextEncoder().encode(s);

test("onFetch is called while idle, and commitOffsets: false commits nothing for records handled", async () => {
  const log = createKafkaEventLog({ brokers, clientId: "subscription-options", logger: silent });
  const admin = new kafkajs.Kafka({ brokers, clientId: "subscription-options-admin", logLevel: kafkajs.logLevel.NOTHING }).admin();
  const topic = `sub-options-${randomUUID().slice(0, 8)}`;
  const groupId = `sub-options-${randomUUID()}`;
  await log.ensureTopics([{ name: topic, partitions: 2 }]);
  let fetches = 0;
  const seen: EventRecord[] = [];
  const sub = await log.subscribe({ groupId, topics: [topic], commitOffsets: false, onFetch: () => fetches++, handleBatch: async (b) => void seen.push(...b.records) });
  try {
    await admin.connect();
    // No records: fetches still complete (each waits at most the consumer's max wait).
    const idle = fetches;
    await until(() => fetches >= idle + 2, 30_000, "two fetches without records");
    await log.publish(topic, [
      { key: "a", value: encode("1") },
      { key: "b", value: encode("2") },
    ]);
    await until(() => seen.length === 2, 30_000, "both records handled");
    // A fetch after the handled batches: had they been committed, it would be by now.
    const after = fetches;
    await until(() => fetches >= after + 2, 30_000, "fetches after the records");
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets.partitions.map((p) => p.offset)).toEqual(["-1", "-1"]);
  } finally {
    await sub.stop();
    await admin.disconnect();
    await log.close();
  }
}, 90_000);

// ADR 0038: positions are committed per interval, in one request, not after every batch.
async function committedCount(admin: kafkajs.Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

test.each([
  ["a long interval: only the partition's first position is committed while running, everything handled when the subscription stops", 60_000],
  ["a short interval: what was handled is committed without a later batch", 300],
])("%s", async (_name, commitIntervalMs) => {
  const log = createKafkaEventLog({ brokers, clientId: "commit-interval", logger: silent, consumer: { commitIntervalMs } });
  const admin = new kafkajs.Kafka({ brokers, clientId: "commit-interval-admin", logLevel: kafkajs.logLevel.NOTHING }).admin();
  const topic = `commit-interval-${randomUUID().slice(0, 8)}`;
  const groupId = `commit-interval-${randomUUID()}`;
  await log.ensureTopics([{ name: topic, partitions: 1 }]);
  let fetches = 0;
  const seen: EventRecord[] = [];
  const sub = await log.subscribe({ groupId, topics: [topic], onFetch: () => fetches++, handleBatch: async (b) => void seen.push(...b.records) });
  let stopped = false;
  try {
    await admin.connect();
    for (const key of ["a", "b", "c"]) {
      // One publication per record: separate batches, each of which used to be committed.
      await log.publish(topic, [{ key, value: encode(key) }]);
      await until(() => seen.length > ["a", "b", "c"].indexOf(key), 30_000, `record ${key} handled`);
    }
    if (commitIntervalMs > 1000) {
      const after = fetches;
      await until(() => fetches >= after + 2, 30_000, "fetches after the records");
      // The first record's position went out at once (the group had none); the next two wait
      // for the interval.
      expect(await committedCount(admin, groupId, topic)).toBe(1);
      await sub.stop();
      stopped = true;
      expect(await committedCount(admin, groupId, topic)).toBe(3);
    } else {
      await until(async () => (await committedCount(admin, groupId, topic)) === 3, 30_000, "all three committed by the interval");
    }
  } finally {
    if (!stopped) await sub.stop();
    await admin.disconnect();
    await log.close();
  }
}, 90_000);
