import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

// The table layout (docs/data-model.md describes every table and who touches it). Keep it in
// step with terraform/modules/dynamodb: bootstrap() creates exactly what is declared here.

export const TABLES = ["chats", "members", "messages", "counters", "idempotency", "receipts", "outbox"] as const;
export type TableKey = (typeof TABLES)[number];
export type TableNames = Record<TableKey, string>;

export const MEMBERS_BY_USER_INDEX = "by_user";

// The attribute DynamoDB's TTL sweeper reads (epoch seconds). Deletion is lazy (up to days
// late), so reads and conditions use the millisecond twin `expires_at_ms` instead.
export const IDEMPOTENCY_TTL_ATTRIBUTE = "expires_at";

// Outbox entries spread over a few fixed partition keys so one hot partition does not cap the
// write rate; a chat's entries always land on the same shard (see outbox.ts).
export const OUTBOX_SHARDS = 8;

export function tableNames(prefix: string): TableNames {
  return Object.fromEntries(TABLES.map((t) => [t, `${prefix}${t}`])) as TableNames;
}

type TableSchema = Omit<CreateTableCommandInput, "TableName" | "BillingMode">;

const S = "S" as const;
const N = "N" as const;

export const TABLE_SCHEMAS: Record<TableKey, TableSchema> = {
  chats: {
    AttributeDefinitions: [{ AttributeName: "chat_id", AttributeType: S }],
    KeySchema: [{ AttributeName: "chat_id", KeyType: "HASH" }],
  },
  members: {
    AttributeDefinitions: [
      { AttributeName: "chat_id", AttributeType: S },
      { AttributeName: "user_id", AttributeType: S },
    ],
    KeySchema: [
      { AttributeName: "chat_id", KeyType: "HASH" },
      { AttributeName: "user_id", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: MEMBERS_BY_USER_INDEX,
        KeySchema: [
          { AttributeName: "user_id", KeyType: "HASH" },
          { AttributeName: "chat_id", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  },
  messages: {
    AttributeDefinitions: [
      { AttributeName: "chat_id", AttributeType: S },
      { AttributeName: "seq", AttributeType: N },
    ],
    KeySchema: [
      { AttributeName: "chat_id", KeyType: "HASH" },
      { AttributeName: "seq", KeyType: "RANGE" },
    ],
  },
  counters: {
    AttributeDefinitions: [{ AttributeName: "chat_id", AttributeType: S }],
    KeySchema: [{ AttributeName: "chat_id", KeyType: "HASH" }],
  },
  idempotency: {
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: S }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  },
  receipts: {
    AttributeDefinitions: [
      { AttributeName: "chat_id", AttributeType: S },
      { AttributeName: "user_id", AttributeType: S },
    ],
    KeySchema: [
      { AttributeName: "chat_id", KeyType: "HASH" },
      { AttributeName: "user_id", KeyType: "RANGE" },
    ],
  },
  outbox: {
    AttributeDefinitions: [
      { AttributeName: "shard", AttributeType: S },
      { AttributeName: "sk", AttributeType: S },
    ],
    KeySchema: [
      { AttributeName: "shard", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
  },
};

export const TTL_ATTRIBUTES: Partial<Record<TableKey, string>> = { idempotency: IDEMPOTENCY_TTL_ATTRIBUTE };
