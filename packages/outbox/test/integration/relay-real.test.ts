import { randomUUID } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createKafkaEventLog } from "@chat/eventlog/kafka";
import { createDynamoStore, TABLES, tableNames } from "@chat/store/dynamodb";
import { describeRelayScenarios } from "../support/relay-scenarios";

// The relay scenarios on DynamoDB Local (leases as conditional writes, batched deletes) and
// real Kafka (many records per produce request).
const endpoint = process.env.CHAT_DYNAMODB_ENDPOINT;
const brokers = process.env.CHAT_KAFKA_BROKERS?.split(",").filter(Boolean) ?? [];
if (!endpoint || brokers.length === 0) throw new Error("CHAT_DYNAMODB_ENDPOINT / CHAT_KAFKA_BROKERS not set: run through scripts/with-infra.sh");
process.env.AWS_ACCESS_KEY_ID ??= "local";
process.env.AWS_SECRET_ACCESS_KEY ??= "local";
const region = "us-east-1";
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describeRelayScenarios("DynamoDB Local and Kafka", async () => {
  const tablePrefix = `relay_${randomUUID().slice(0, 8)}_`;
  const store = createDynamoStore({ endpoint, region, tablePrefix });
  await store.bootstrap();
  const eventLog = createKafkaEventLog({ brokers, clientId: "relay-test", logger: silent });
  return {
    store,
    eventLog,
    async cleanup() {
      await eventLog.close();
      await store.close();
      const client = new DynamoDBClient({ endpoint, region });
      const names = tableNames(tablePrefix);
      await Promise.all(TABLES.map((t) => client.send(new DeleteTableCommand({ TableName: names[t] })).catch(() => undefined)));
      client.destroy();
    },
  };
});
