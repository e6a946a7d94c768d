import { Partitioners, type ProducerConfig } from "kafkajs";
import { PRODUCER_RETRY } from "./settings";

// The producer side of MISSION §7: idempotent, acks=all. Kept in one place so a test can
// assert it (packages/eventlog/test/kafka-producer-config.test.ts): weakening either would
// make a broker failover able to lose or duplicate acknowledged events silently.

// acks=all: the broker answers only when every in-sync replica has the records.
export const PRODUCE_ACKS = -1;

export function producerConfig(): ProducerConfig {
  return {
    idempotent: true,
    // kafkajs guarantees ordering with idempotence only with one request in flight.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java-compatible murmur2; publish() passes explicit partitions, but a record without
    // one must still land where partitionFor says.
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: PRODUCER_RETRY,
  };
}
