import { ALL_TOPICS, DEFAULT_LIMITS } from "@chat/domain";
import type { Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import { contextFromHeaders, Gauge, Histogram, SpanKind, spanContext, startSpan, traceHeaders, tracedPort, type Logger, type Registry } from "@chat/observability";
import { OutboxRelay, registerOutboxBacklogGauge } from "@chat/outbox";
import type { RpcHost } from "@chat/rpc";
import { IngestService } from "@chat/proto";
import type { Store } from "@chat/store";
import { MessagePersister } from "./persist/persist-message";
import { ingestApi } from "./rpc/ingest-api";

export interface IngestDeps {
  store: Store;
  eventLog: EventLog;
  rpc: RpcHost;
  logger: Logger;
  metrics: Registry;
}

export interface RunningIngest {
  address: string;
  stop(): Promise<void>;
}

export async function startIngest(config: Config, deps: IngestDeps): Promise<RunningIngest> {
  await deps.store.bootstrap();
  await deps.eventLog.ensureTopics(ALL_TOPICS);
  const relay = new OutboxRelay(deps.store, deps.eventLog, deps.logger, {
    intervalMs: config.limits.outboxIntervalMs,
    batch: config.limits.outboxBatch,
    leaseTtlMs: config.limits.outboxLeaseMs,
  });
  const persister = new MessagePersister(
    // Store calls of a traced send become child spans of ingest.persist_message.
    tracedPort("ingest", "store", deps.store),
    { maxBodyBytes: config.limits.maxBodyBytes, maxIdLength: DEFAULT_LIMITS.maxIdLength, idempotencyTtlMs: config.limits.idempotencyTtlMs },
    // Each traced entry's Kafka publish is a producer span under its persist span; its context
    // replaces the stored one in the record headers. Drain republishes keep the stored context.
    async (entries) => {
      const spans = entries.map((e) => (e.headers?.traceparent ? startSpan("ingest", `publish ${e.topic}`, { kind: SpanKind.PRODUCER, parent: contextFromHeaders(e.headers) }) : undefined));
      try {
        await relay.publishMany(entries.map((e, i) => (spans[i] ? { ...e, headers: { ...e.headers, ...traceHeaders(spanContext(spans[i])) } } : e)));
      } finally {
        for (const span of spans) span?.end();
      }
    },
    { maxPerChat: config.limits.ingestMaxQueuePerChat, maxTotal: config.limits.ingestMaxQueued, maxCommitsInFlight: config.limits.ingestCommitsInFlight },
    deps.logger,
  );
  const persistDuration = new Histogram({
    name: "durability_persist_duration_seconds",
    help: "PersistMessage latency: queueing for and running the group commit (membership, idempotency, seq, durable write)",
    labelNames: ["outcome"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [deps.metrics],
  });
  new Gauge({
    name: "durability_ingest_queued_sends",
    help: "Sends waiting or running in this ingest replica (bounded by CHAT_INGEST_MAX_QUEUED)",
    registers: [deps.metrics],
    collect() {
      this.set(persister.load());
    },
  });
  registerOutboxBacklogGauge(deps.metrics, deps.store);
  const served = await deps.rpc.serveApi("ingest", IngestService, ingestApi(persister, persistDuration, config.limits.ingestBatchMaxSends, deps.logger), { port: config.ingest.grpcPort, internal: true });
  relay.start();
  // Anything left by a previous run (crash between commit and publish) goes out now.
  void relay.drain();
  deps.logger.info({ address: served.address }, "ingest ready");
  return {
    address: served.address,
    async stop() {
      // Stop taking requests, then let the last publications and the outbox drain finish.
      await served.close();
      await persister.drained();
      await relay.stop();
      await relay.drain();
      await relay.releaseLeases();
    },
  };
}
