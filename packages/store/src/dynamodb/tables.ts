import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

// The table layout (docs/data-model.md describes every table and who touches it).
// bootstrap() creates exactly what is declared here; infrastructure code must match it.

export const TABLES = ["chats", "members", "messages", "counters", "idempotency", "receipts", "outbox"] as const;
export type TableKey = (typeof TABLES)[number];
export type TableNames = Record<TableKey, string>;

export const MEMBERS_BY_USER_INDEX = "by_user";

// The attribute DynamoDB's TTL sweeper reads (epoch seconds). Deletion is lazy (up to days
// late), so reads and conditions use the millisecond twin `expires_at_ms` instead.
export const IDEMPOTENCY_TTL_ATTRIBUTE = "expires_at";

// Outbox entries spread over a few fixed partition keys so one hot partition does not cap the
// write rate; a chat's entries always land on the same shard (see ../outbox-shard.ts).
export { OUTBOX_SHARDS } from "../outbox-shard";

export function tableNames(prefix: string): TableNames {
  return Object.fromEntries(TABLES.map((t) => [t, `${prefix}${t}`])) as TableNames;
}

type TableSchema = Omit<CreateTableCommandInput, "TableName" | "BillingMode">;

type AttributeType = "S" | "N";

// Key schema and attribute definitions of a table keyed by (hash[, range]).
function keyed(hash: [string, AttributeType], range?: [string, AttributeType]): TableSchema {
  const keys = range ? [hash, range] : [hash];
  return {
    AttributeDefinitions: keys.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keys.map(([AttributeName], i) => ({ AttributeName, KeyType: i === 0 ? "HASH" : "RANGE" })),
  };
}

export const TABLE_SCHEMAS: Record<TableKey, TableSchema> = {
  chats: keyed(["chat_id", "S"]),
  members: {
    ...keyed(["chat_id", "S"], ["user_id", "S"]),
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
  messages: keyed(["chat_id", "S"], ["seq", "N"]),
  counters: keyed(["chat_id", "S"]),
  idempotency: keyed(["pk", "S"]),
  receipts: keyed(["chat_id", "S"], ["user_id", "S"]),
  outbox: keyed(["shard", "S"], ["sk", "S"]),
};

export const TTL_ATTRIBUTES: Partial<Record<TableKey, string>> = { idempotency: IDEMPOTENCY_TTL_ATTRIBUTE };
