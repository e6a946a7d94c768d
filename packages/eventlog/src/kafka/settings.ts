import type { RetryOptions } from "kafkajs";

// kafkajs silently switches to much shorter retry defaults when NODE_ENV=test (which jest
// sets), so every value is spelled out here: the tests exercise what production runs.

// Admin calls and the producer's broker connections (consumers have CONSUMER_RETRY below).
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

// Group timing (ADR-0021). kafkajs rebalances eagerly: every member stops while the group
// re-forms, so these bound how long a partition goes unconsumed.
export interface ConsumerTiming {
  // A member that stops heartbeating (kill -9, a hung process) keeps its partitions this long.
  sessionTimeoutMs: number;
  // Heartbeats carry the news of a rebalance; once a second keeps handovers quick at no real cost.
  heartbeatIntervalMs: number;
  // How long a rebalance waits for live members to finish their batches and rejoin.
  rebalanceTimeoutMs: number;
  // Handled positions are committed at most this often, in one request (0: after every
  // batch); also when the member stops, and a partition's first at once (offset-committer.ts).
  commitIntervalMs: number;
}

export const DEFAULT_CONSUMER_TIMING: ConsumerTiming = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 3_000,
  commitIntervalMs: 1_000,
};

// Java's fetch.max.wait.ms default. kafkajs' 5 s long poll delays how soon a member notices a
// rebalance (it heartbeats between fetches), which stalls the whole group meanwhile.
export const CONSUMER_MAX_WAIT_MS = 500;

// The consumer's retries: its broker connections, the fetch loop, joins and commits. A consumer
// that exhausts them, or finds no broker at all, "crashes": kafkajs leaves the group and
// restarts it after the last backoff, as a new member, which stalls the group until the old
// member's session expires. So the backoff is capped at 2 s (a consumer is back at most ~2.5 s
// after the broker is), and 30 retries ride out about a minute of outage without a crash where
// kafkajs retries at all.
export const CONSUMER_RETRY: Required<Omit<RetryOptions, "restartOnFailure">> = {
  initialRetryTime: 300,
  maxRetryTime: 2_000,
  factor: 0.2,
  multiplier: 2,
  retries: 30,
};

// Batches of different partitions handled at once by one member. kafkajs still hands out one
// batch per partition at a time, so each partition (hence each chat) stays in order; without
// this a member owning many partitions would process them one after another.
export const PARTITIONS_CONSUMED_CONCURRENTLY = 8;
