import kafkajs, { type Admin, type Consumer, type EachBatchPayload, type Kafka } from "kafkajs";
import type { SubscribeOptions, Subscription } from "../port";
import type { EventLogLogger } from "./logging";
import { OffsetCommitter } from "./offset-committer";
import { toEventRecord } from "./records";
import { CONSUMER_MAX_WAIT_MS, CONSUMER_RETRY, PARTITIONS_CONSUMED_CONCURRENTLY, type ConsumerTiming } from "./settings";

// kafkajs spreads its error classes into module.exports, which Node's (and jest's) CommonJS
// export detection cannot see, so they are only reachable through the default import.
const { KafkaJSError } = kafkajs;

// One kafkajs consumer per subscription. Offsets are committed by hand, only for batches
// handleBatch resolved, at most every timing.commitIntervalMs (offset-committer.ts); kafkajs'
// auto-commit and auto-resolve are off so that nothing is committed for a batch that failed.
export async function subscribeKafka(
  kafka: Kafka,
  admin: () => Promise<Admin>,
  options: SubscribeOptions,
  timing: ConsumerTiming,
  logger: EventLogLogger,
): Promise<Subscription> {
  const { groupId, topics, handleBatch } = options;
  const fromBeginning = options.fromBeginning ?? false;
  const commitOffsets = options.commitOffsets ?? true;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // A crash after the retries is still restarted (kafkajs' default for retriable errors);
    // the restart is logged, a crash for good marks the subscription unhealthy below.
    retry: CONSUMER_RETRY,
    maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS,
    sessionTimeout: timing.sessionTimeoutMs,
    heartbeatInterval: timing.heartbeatIntervalMs,
    rebalanceTimeout: timing.rebalanceTimeoutMs,
  });

  let assignment: Record<string, number[]> = {};
  let failed = false;
  const positions = new OffsetCommitter(timing.commitIntervalMs);
  // Outside a batch (the interval passed while no records came, the subscription stops):
  // through the consumer, which commits only while it runs. A failure leaves them pending.
  const commitPending = () =>
    positions.commit((o) => consumer.commitOffsets(o.topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, ...p }))))).catch((err: unknown) => {
      logger.debug({ groupId, err }, "offset commit failed; retried with the next one");
    });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assignment = normalizeAssignment(payload.memberAssignment);
    positions.keepOnly(assignment);
    options.onAssigned?.(structuredClone(assignment));
  });
  // A crash disconnects the consumer, which also emits STOP.
  consumer.on(consumer.events.STOP, () => {
    assignment = {};
  });
  const onFetch = options.onFetch;
  if (onFetch) consumer.on(consumer.events.FETCH, () => onFetch());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      failed = true;
      logger.error({ groupId, topics, err: payload.error }, "Kafka consumer crashed and will not restart; this subscription receives nothing more");
    }
  });

  const eachBatch = async ({ batch, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> => {
    const { topic, partition } = batch;
    const records = batch.messages.map((m) => toEventRecord(topic, partition, m));
    try {
      await handleBatch({ topic, partition, records });
    } catch (err) {
      const firstOffset = records[0]?.offset;
      logger.warn({ groupId, topic, partition, firstOffset, records: records.length, err }, "handleBatch failed; the batch will be delivered again");
      // Throwing makes kafkajs fetch again from the last resolved offset (nothing of this batch
      // was resolved) after its retry backoff. The error must be a retriable KafkaJSError:
      // kafkajs treats a TypeError or RangeError escaping user code as unrecoverable and would
      // stop the consumer for good.
      throw new KafkaJSError(`handleBatch failed on ${topic}[${partition}] at offset ${firstOffset}: ${errorMessage(err)}`, { retriable: true });
    }
    // lastOffset() also covers trailing control records, which the handler never sees.
    // Resolving moves the fetch position; the commit needs explicit offsets because with
    // autoCommit off commitOffsetsIfNecessary() without arguments commits nothing.
    const lastOffset = batch.lastOffset();
    resolveOffset(lastOffset);
    if (!commitOffsets) return;
    positions.handled(topic, partition, (BigInt(lastOffset) + 1n).toString());
    // With explicit offsets this commits at once (also while the consumer is stopping).
    if (positions.due()) await positions.commit((o) => commitOffsetsIfNecessary(o));
  };

  const started = firstFetch(consumer);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY, eachBatch });
    await started;
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }

  // What was handled reaches the group within about an interval even when no batch follows.
  const timer = commitOffsets && timing.commitIntervalMs > 0 ? setInterval(() => void (positions.due() && commitPending()), timing.commitIntervalMs) : undefined;
  timer?.unref();

  let stopped: Promise<void> | undefined;
  return {
    // What was handled is committed first; kafkajs' disconnect then lets the in-flight batch
    // finish (which commits inside eachBatch at once now), skips batches fetched but not
    // started, and leaves the group so its partitions move at once.
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        positions.flushFromNowOn();
        await commitPending();
        await consumer.disconnect();
      })()),
    assignment: () => structuredClone(assignment),
    lag: async () => lagOf(await admin(), groupId, assignment, fromBeginning),
    healthy: () => !failed && stopped === undefined,
  };
}

// Resolves after the consumer's first fetch: by then it has joined the group and kafkajs has
// fixed the start offset of every assigned partition (committing latest or earliest where the
// group had no commit). So a subscription starting at "latest" does not skip records published
// after subscribe() resolved.
function firstFetch(consumer: Consumer): Promise<void> {
  return new Promise((resolve, reject) => {
    const offFetch = consumer.on(consumer.events.FETCH, () => {
      off();
      resolve();
    });
    const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      off();
      reject(payload.error);
    });
    const off = () => {
      offFetch();
      offCrash();
    };
  });
}

// Records not yet committed by the group on the partitions this member owns: high watermark
// minus committed offset. Without a commit the group starts at the log start or end.
async function lagOf(admin: Admin, groupId: string, assignment: Record<string, number[]>, fromBeginning: boolean): Promise<number> {
  let lag = 0n;
  for (const [topic, partitions] of Object.entries(assignment)) {
    const [committed, watermarks] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
    const committedBy = new Map(committed.find((t) => t.topic === topic)?.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    for (const partition of partitions) {
      const marks = watermarks.find((w) => w.partition === partition);
      if (!marks) throw new Error(`no watermarks for ${topic}[${partition}]`);
      const high = BigInt(marks.high);
      const commit = committedBy.get(partition) ?? -1n;
      const from = commit >= 0n ? commit : fromBeginning ? BigInt(marks.low) : high;
      if (high > from) lag += high - from;
    }
  }
  return Number(lag);
}

function normalizeAssignment(raw: Record<string, number[]>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [topic, partitions] of Object.entries(raw)) {
    if (partitions.length > 0) out[topic] = [...partitions].sort((a, b) => a - b);
  }
  return out;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
