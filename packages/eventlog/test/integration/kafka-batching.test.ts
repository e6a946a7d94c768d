import { randomUUID } from "node:crypto";
import type { EventRecord } from "../../src";
import { createKafkaEventLog, type BatchingOptions } from "../../src/kafka";
import { until } from "../../../../tests/support/until";

// The micro-batching publisher on a real broker (issue 7): concurrent publications share
// produce requests (counted by kafkajs' own request events), callers resolve once their
// records are acknowledged, and a key's records keep their order across many requests.
const brokers = process.env.CHAT_KAFKA_BROKERS?.split(",").filter(Boolean) ?? [];
if (brokers.length === 0) throw new Error("CHAT_KAFKA_BROKERS is not set: run through scripts/with-infra.sh");

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const encode = (s: string) => new TextEncoder().encode(s);

async function withLog(batching: Partial<BatchingOptions>, body: (ctx: { log: ReturnType<typeof createKafkaEventLog>; topic: string; produceRequests: () => number; consume: () => Promise<EventRecord[]> }) => Promise<void>) {
  let requests = 0;
  const log = createKafkaEventLog({ brokers, clientId: "batching-check", logger: silent, batching, observer: { produceRequest: () => requests++, recordsPublished() {} } });
  const topic = `batching-${randomUUID().slice(0, 8)}`;
  const subs: Array<{ stop(): Promise<void> }> = [];
  try {
    await log.ensureTopics([{ name: topic, partitions: 4 }]);
    await body({
      log,
      topic,
      produceRequests: () => requests,
      consume: async () => {
        const seen: EventRecord[] = [];
        subs.push(await log.subscribe({ groupId: `batching-${randomUUID()}`, topics: [topic], fromBeginning: true, handleBatch: async (b) => void seen.push(...b.records) }));
        return seen;
      },
    });
  } finally {
    await Promise.all(subs.map((s) => s.stop()));
    await log.close();
  }
}

test("200 concurrent publications go out in one produce request and all arrive", async () => {
  await withLog({ lingerMs: 50 }, async ({ log, topic, produceRequests, consume }) => {
    // The producer connects (metadata, init id) before the publications are counted.
    await log.publish(topic, [{ key: "warm-up", value: encode("0") }]);
    const before = produceRequests();
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.publish(topic, [{ key: `chat-${i % 10}`, value: encode(String(i)) }])));
    // Every publication was queued before the linger ended (they are issued in one tick).
    expect(produceRequests() - before).toBe(1);
    const seen = await consume();
    await until(() => seen.length === 201, 30_000, "201 records consumed");
  });
}, 60_000);

test("a key's records keep their publish order across many small requests", async () => {
  await withLog({ lingerMs: 1, maxBatchRecords: 7 }, async ({ log, topic, produceRequests, consume }) => {
    const calls: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      calls.push(log.publish(topic, [{ key: `chat-${i % 5}`, value: encode(String(i)) }]));
      // Some publications arrive while a request is in flight.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    expect(produceRequests()).toBeGreaterThanOrEqual(300 / 7);
    const seen = await consume();
    await until(() => seen.length === 300, 30_000, "300 records consumed");
    for (let k = 0; k < 5; k++) {
      const values = seen.filter((r) => r.key === `chat-${k}`).map((r) => Number(new TextDecoder().decode(r.value)));
      expect(values).toEqual(Array.from({ length: 60 }, (_, j) => j * 5 + k));
    }
  });
}, 60_000);
