import { PRODUCE_ACKS, producerConfig } from "../src/kafka/producer-config";

// MISSION §7: the producer is idempotent and waits for acks=all. The integration test
// (test/integration/kafka-producer.test.ts) checks the adapter really uses these values.
test("the Kafka producer is idempotent, one request in flight, and produces with acks=all", () => {
  const config = producerConfig();
  expect(config.idempotent).toBe(true);
  expect(config.maxInFlightRequests).toBe(1);
  expect(config.allowAutoTopicCreation).toBe(false);
  expect(PRODUCE_ACKS).toBe(-1);
  // Bounded retries, so publish() fails during an outage and the outbox takes over.
  expect(config.retry?.retries).toBeGreaterThan(0);
  expect(Number.isFinite(config.retry?.retries)).toBe(true);
});
