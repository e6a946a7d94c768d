import type { Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import type { Logger } from "@chat/observability";
import type { Presence } from "@chat/presence";
import type { Store } from "@chat/store";

// The one place where configuration picks adapters. Real adapters are imported lazily so the
// all-in-one process never loads kafkajs, the AWS SDK or ioredis.

export async function createEventLog(config: Config, logger: Logger): Promise<EventLog> {
  const c = config.eventLog;
  if (c.kind === "kafka") {
    const { createKafkaEventLog } = await import("@chat/eventlog/kafka");
    return createKafkaEventLog({ brokers: c.brokers, clientId: c.clientId, consumer: c.consumer, security: c.security, logger: logger.child({ adapter: "kafka" }) });
  }
  const { createEmbeddedEventLog } = await import("@chat/eventlog/embedded");
  return createEmbeddedEventLog();
}

export async function createStore(config: Config, logger: Logger): Promise<Store> {
  const c = config.store;
  if (c.kind === "dynamodb") {
    const { createDynamoStore } = await import("@chat/store/dynamodb");
    return createDynamoStore({ ...c.dynamodb, logger: logger.child({ adapter: "dynamodb" }) });
  }
  const { createEmbeddedStore } = await import("@chat/store/embedded");
  return createEmbeddedStore({ dataDir: c.dataDir });
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
