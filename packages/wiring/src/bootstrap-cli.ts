// Creates what the configured adapters need, idempotently: DynamoDB tables (with TTL and the
// by-user index) and the Kafka topics with their partition counts. Used by operators, compose's
// init step and anyone starting distributed mode by hand:
//
//   CHAT_STORE=dynamodb CHAT_DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \
//   CHAT_EVENTLOG=kafka CHAT_KAFKA_BROKERS=127.0.0.1:9092 \
//   node --import tsx packages/wiring/src/bootstrap-cli.ts
//
// Exit code 0 when everything exists, 1 when something could not be created, 2 on bad config.
import { ALL_TOPICS } from "@chat/domain";
import { createEventLog, createStore, runService } from "./index";

await runService("bootstrap", async ({ config, logger }) => {
  const store = await createStore(config, logger);
  const eventLog = await createEventLog(config, logger);
  try {
    await store.bootstrap();
    await eventLog.ensureTopics(ALL_TOPICS);
    logger.info({ store: config.store.kind, eventLog: config.eventLog.kind, topics: ALL_TOPICS.map((t) => `${t.name}:${t.partitions}`) }, "bootstrap done");
  } finally {
    await Promise.all([store.close(), eventLog.close()]);
  }
  process.exit(0);
  // Serves nothing, so it needs no service secret.
}, {});
