import { randomUUID } from "node:crypto";
import { createKafkaEventLog } from "@chat/eventlog/kafka";
import { createDynamoStore } from "@chat/store/dynamodb";
import { describeOutboxRepublish } from "../support/outbox-republish";
import { requiredEnv } from "./support/required-env";

// The outbox guarantees on DynamoDB Local and real Kafka.
describeOutboxRepublish("DynamoDB Local and Kafka", async () => {
  const endpoint = requiredEnv("CHAT_DYNAMODB_ENDPOINT");
  const brokers = requiredEnv("CHAT_KAFKA_BROKERS").split(",");
  const tablePrefix = `rp${randomUUID().slice(0, 8)}_`;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const eventLog = createKafkaEventLog({ brokers, clientId: `republish-${tablePrefix}`, logger: silent });
  return {
    eventLog,
    async openStore() {
      const store = createDynamoStore({ endpoint, region: "us-east-1", tablePrefix });
      await store.bootstrap();
      return store;
    },
    async cleanup() {
      await eventLog.close();
    },
  };
});
