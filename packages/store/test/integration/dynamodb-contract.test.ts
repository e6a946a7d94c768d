import { randomUUID } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describeStoreContract, reopenableStore } from "../../src/contract";
import { createDynamoStore, TABLES, tableNames } from "../../src/dynamodb";
import type { Store } from "../../src/port";

// The DynamoDB adapter against the shared contract, on a real DynamoDB (Local):
//   scripts/infra/dynamodb.sh start && set -a && . ~/.cache/chat-infra/run/dynamodb.env && set +a
// Without an endpoint this fails instead of skipping: a skipped integration run looks green.
const endpoint = process.env.CHAT_DYNAMODB_ENDPOINT;
if (!endpoint) {
  throw new Error("CHAT_DYNAMODB_ENDPOINT is not set: start DynamoDB Local with scripts/infra/dynamodb.sh start and load its dynamodb.env");
}
const region = process.env.CHAT_DYNAMODB_REGION ?? "us-east-1";
// DynamoDB Local accepts any credentials but the SDK insists on having some.
process.env.AWS_ACCESS_KEY_ID ??= "local";
process.env.AWS_SECRET_ACCESS_KEY ??= "local";

describeStoreContract("dynamodb", async () => {
  // A fresh set of tables per run, so runs never see each other's data.
  const tablePrefix = `contract_${randomUUID().slice(0, 8)}_`;
  let bootstrapped = false;
  const open = async (): Promise<Store> => {
    const store = createDynamoStore({ endpoint, region, tablePrefix });
    if (!bootstrapped) await store.bootstrap();
    bootstrapped = true;
    return store;
  };
  return reopenableStore(open, async () => {
    const client = new DynamoDBClient({ endpoint, region });
    const names = tableNames(tablePrefix);
    await Promise.all(TABLES.map((t) => client.send(new DeleteTableCommand({ TableName: names[t] }))));
    client.destroy();
  });
});
