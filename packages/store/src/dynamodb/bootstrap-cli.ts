// Creates the DynamoDB tables (idempotent). Used by docker-compose's table init, the
// integration tests and operators:
//
//   CHAT_DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npx tsx packages/store/src/dynamodb/bootstrap-cli.ts
//
// Reads CHAT_DYNAMODB_ENDPOINT (absent for AWS itself), CHAT_DYNAMODB_REGION (default
// us-east-1) and CHAT_DYNAMODB_TABLE_PREFIX (default chat_), the same variables and defaults as
// @chat/config. Credentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID, profiles,
// instance roles). Exit code 0 when every table is ACTIVE, 1 otherwise.
import { createDynamoStore } from "./index";

const env = process.env;
const options = {
  endpoint: env.CHAT_DYNAMODB_ENDPOINT || undefined,
  region: env.CHAT_DYNAMODB_REGION || "us-east-1",
  tablePrefix: env.CHAT_DYNAMODB_TABLE_PREFIX ?? "chat_",
};

const log = (level: string) => (fields: Record<string, unknown>, msg: string) => console.error(JSON.stringify({ level, msg, ...fields }));
const store = createDynamoStore({ ...options, logger: { info: log("info"), warn: log("warn") } });

try {
  await store.bootstrap();
  console.error(JSON.stringify({ level: "info", msg: "dynamodb tables ready", ...options }));
} catch (e) {
  const cause = e instanceof Error && e.cause !== undefined ? String(e.cause) : undefined;
  console.error(JSON.stringify({ level: "error", msg: "dynamodb bootstrap failed", error: String(e), cause, ...options }));
  process.exitCode = 1;
} finally {
  await store.close();
}
