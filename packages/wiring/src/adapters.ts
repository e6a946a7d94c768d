import type { Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import { Counter, type Logger, type Registry } from "@chat/observability";
import type { Presence } from "@chat/presence";
import type { Store } from "@chat/store";

// The one place where configuration picks adapters. Real adapters are imported lazily so the
// all-in-one process never loads kafkajs, the AWS SDK or ioredis.

// metrics: the process's registry, for the producer's counters (Kafka only).
export async function createEventLog(config: Config, logger: Logger, metrics?: Registry): Promise<EventLog> {
  const c = config.eventLog;
  if (c.kind === "kafka") {
    const { createKafkaEventLog } = await import("@chat/eventlog/kafka");
    return createKafkaEventLog({
      brokers: c.brokers,
      clientId: c.clientId,
      consumer: c.consumer,
      batching: c.producer,
      security: c.security,
      logger: logger.child({ adapter: "kafka" }),
      ...(metrics ? { observer: eventLogObserver(metrics) } : {}),
    });
  }
  const { createEmbeddedEventLog } = await import("@chat/eventlog/embedded");
  const dropped = metrics && new Counter({ name: "eventlog_dropped_records_total", help: "Embedded event log: records dropped before every consumer group read them (retention cap)", labelNames: ["topic"], registers: [metrics] });
  const log = logger.child({ adapter: "embedded-eventlog" });
  return createEmbeddedEventLog({
    maxRecordsPerPartition: c.maxRecordsPerPartition,
    onDropped: (topic, partition, count) => {
      dropped?.inc({ topic }, count);
      log.warn({ topic, partition, count }, "event log retention cap reached: a consumer group lags and skips these records");
    },
  });
}

// metrics: where store_requests_total{operation} goes (DynamoDB only: requests per message is
// what the bench compares; the embedded store makes no requests).
export async function createStore(config: Config, logger: Logger, metrics?: Registry): Promise<Store> {
  const c = config.store;
  if (c.kind === "dynamodb") {
    const { createDynamoStore } = await import("@chat/store/dynamodb");
    return createDynamoStore({ ...c.dynamodb, logger: logger.child({ adapter: "dynamodb" }), onRequest: metrics && storeRequestCounter(metrics) });
  }
  const { createEmbeddedStore } = await import("@chat/store/embedded");
  return createEmbeddedStore({ dataDir: c.dataDir, cacheMb: c.cacheMb, commitIntervalMs: c.commitIntervalMs });
}

export async function createPresence(config: Config, logger: Logger): Promise<Presence> {
  const c = config.presence;
  if (c.kind === "redis") {
    const { createRedisPresence } = await import("@chat/presence/redis");
    return createRedisPresence({ url: c.url, keyPrefix: c.keyPrefix, logger: logger.child({ adapter: "redis" }) });
  }
  const { createEmbeddedPresence } = await import("@chat/presence/embedded");
  return createEmbeddedPresence();
}

function eventLogObserver(registry: Registry) {
  const requests = new Counter({ name: "eventlog_produce_requests_total", help: "Kafka produce requests sent (one per broker per publication batch)", registers: [registry] });
  const records = new Counter({ name: "eventlog_published_records_total", help: "Records acknowledged by Kafka", labelNames: ["topic"], registers: [registry] });
  // One label child per topic, bound once (the topics are few and fixed).
  const perTopic = new Map<string, Counter.Internal>();
  return {
    produceRequest: () => requests.inc(),
    recordsPublished: (topic: string, count: number) => {
      let child = perTopic.get(topic);
      if (!child) perTopic.set(topic, (child = records.labels({ topic })));
      child.inc(count);
    },
  };
}

// One label child per operation, bound on first use (no label lookup per request).
function storeRequestCounter(metrics: Registry): (operation: string) => void {
  const counter = new Counter({ name: "store_requests_total", help: "HTTP requests sent to DynamoDB, retries included, by operation", labelNames: ["operation"], registers: [metrics] });
  const children = new Map<string, { inc(): void }>();
  return (operation) => {
    let child = children.get(operation);
    if (!child) children.set(operation, (child = counter.labels({ operation })));
    child.inc();
  };
}
