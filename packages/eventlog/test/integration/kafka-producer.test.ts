import { randomUUID } from "node:crypto";
import { Kafka, type Producer, type ProducerBatch, type ProducerConfig, type ProducerRecord } from "kafkajs";
import { createKafkaEventLog } from "../../src/kafka";

// The adapter's real producer on a real broker: built idempotent, and every produce request
// asks for acks=all (MISSION §7). Observed at the kafkajs boundary, so a change anywhere in the
// adapter that weakens either is caught, not only a change of producer-config.ts.
const brokers = process.env.CHAT_KAFKA_BROKERS?.split(",").filter(Boolean) ?? [];
if (brokers.length === 0) throw new Error("CHAT_KAFKA_BROKERS is not set: run through scripts/with-infra.sh");

const silent = { debug() {}, info() {}, warn() {}, error() {} };

test("publish goes through an idempotent producer with acks=all and the records arrive", async () => {
  const configs: ProducerConfig[] = [];
  const sends: Array<ProducerRecord | ProducerBatch> = [];
  const original = Kafka.prototype.producer;
  Kafka.prototype.producer = function (this: Kafka, config?: ProducerConfig): Producer {
    configs.push(config ?? {});
    const producer = original.call(this, config);
    const send = producer.send.bind(producer);
    producer.send = (record) => {
      sends.push(record);
      return send(record);
    };
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = (batch) => {
      sends.push(batch);
      return sendBatch(batch);
    };
    return producer;
  };
  const topic = `producer-check-${randomUUID().slice(0, 8)}`;
  const log = createKafkaEventLog({ brokers, clientId: "producer-check", logger: silent });
  const seen: string[] = [];
  try {
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    await log.publish(topic, [
      { key: "chat-a", value: new TextEncoder().encode("one") },
      { key: "chat-a", value: new TextEncoder().encode("two") },
    ]);
    const sub = await log.subscribe({
      groupId: `producer-check-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      async handleBatch(batch) {
        for (const r of batch.records) seen.push(new TextDecoder().decode(r.value));
      },
    });
    const deadline = Date.now() + 30_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await sub.stop();
  } finally {
    Kafka.prototype.producer = original;
    await log.close();
  }
  expect(seen).toEqual(["one", "two"]);
  expect(configs).toHaveLength(1);
  expect(configs[0]).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
  expect(sends.length).toBeGreaterThan(0);
  for (const s of sends) expect(s.acks).toBe(-1);
}, 60_000);
