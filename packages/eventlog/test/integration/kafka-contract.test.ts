import { describeEventLogContract } from "../../src/contract";
import { createKafkaEventLog, type EventLogLogger } from "../../src/kafka";

// Runs against the broker named by CHAT_KAFKA_BROKERS (scripts/infra/kafka.sh start writes it to
// $CHAT_INFRA_RUN/kafka.env). Without it the suite fails rather than skips: an integration run
// that silently tests nothing is worse than a red one.
const brokers = process.env.CHAT_KAFKA_BROKERS?.split(",").map((b) => b.trim()).filter(Boolean) ?? [];

// Warnings and errors (handler failures the suite provokes, crashes) go to stderr as one line
// each; kafkajs' routine info lines are dropped.
const logger: EventLogLogger = {
  debug() {},
  info() {},
  warn: (fields, message) => process.stderr.write(`WARN ${message} ${formatFields(fields)}\n`),
  error: (fields, message) => process.stderr.write(`ERROR ${message} ${formatFields(fields)}\n`),
};

function formatFields(fields: object): string {
  return JSON.stringify(fields, (_, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
}

if (brokers.length === 0) {
  test("Kafka contract needs CHAT_KAFKA_BROKERS", () => {
    throw new Error("CHAT_KAFKA_BROKERS is not set: start Kafka with scripts/infra/kafka.sh start and export the variable from $CHAT_INFRA_RUN/kafka.env");
  });
} else {
  describeEventLogContract(`kafka at ${brokers.join(",")}`, async () => ({
    log: createKafkaEventLog({ brokers, clientId: "eventlog-contract", logger }),
    cleanup: async () => {},
  }));
}
