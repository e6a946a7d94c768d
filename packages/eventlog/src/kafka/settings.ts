import type { RetryOptions } from "kafkajs";

// kafkajs silently switches to much shorter retry defaults when NODE_ENV=test (which jest
// sets), so every value is spelled out here: the tests exercise what production runs.

// Admin calls, group coordination and consumer fetch/handler retries. After `retries` failures
// of a handler the consumer restarts (leaves and rejoins its group) and keeps retrying.
export const CLIENT_RETRY: Required<Omit<RetryOptions, "restartOnFailure">> = {
  initialRetryTime: 300,
  maxRetryTime: 30_000,
  factor: 0.2,
  multiplier: 2,
  retries: 5,
};

// kafkajs retries the idempotent producer forever by default, so publish() would never fail
// while Kafka is down and callers (the outbox) could not react. Like the Java client's
// delivery.timeout.ms, we bound it (about a minute in total) and replace the producer after a
// failure (see KafkaEventLog.publish). kafkajs logs a warning about limited retries once per
// producer; that is expected.
export const PRODUCER_RETRY: Required<Omit<RetryOptions, "restartOnFailure">> = {
  initialRetryTime: 300,
  maxRetryTime: 10_000,
  factor: 0.2,
  multiplier: 2,
  retries: 10,
};

export const CONSUMER_TIMING = {
  // Java's fetch.max.wait.ms default. kafkajs' 5 s long poll delays how soon a member notices
  // a rebalance (it heartbeats between fetches), which stalls the whole group meanwhile.
  maxWaitTimeInMs: 500,
  // Heartbeats carry the news of a rebalance; once a second keeps handovers quick at no real cost.
  heartbeatInterval: 1_000,
  sessionTimeout: 30_000,
} as const;

// Batches of different partitions handled at once by one member. kafkajs still hands out one
// batch per partition at a time, so each partition (hence each chat) stays in order; without
// this a member owning many partitions would process them one after another.
export const PARTITIONS_CONSUMED_CONCURRENTLY = 8;
