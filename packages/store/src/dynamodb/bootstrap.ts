import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import type { DynamoContext } from "./context";
import { TABLES, TABLE_SCHEMAS, TTL_ATTRIBUTES, type TableKey } from "./tables";

// Creates the missing tables (on-demand capacity), waits until each is ACTIVE, and turns on
// TTL where declared. Safe to run any number of times, also concurrently from several
// processes: "already exists" answers count as success. Existing tables are left as they are
// (schema changes are migrations, not bootstrap).

const TABLE_WAIT_S = 120;

function errorName(e: unknown): string | undefined {
  return typeof e === "object" && e !== null ? (e as { name?: string }).name : undefined;
}

async function ensureTable(ctx: DynamoContext, key: TableKey): Promise<void> {
  const TableName = ctx.tables[key];
  try {
    await ctx.client.send(new DescribeTableCommand({ TableName }));
  } catch (e) {
    if (errorName(e) !== "ResourceNotFoundException") throw e;
    try {
      await ctx.client.send(new CreateTableCommand({ ...TABLE_SCHEMAS[key], TableName, BillingMode: "PAY_PER_REQUEST" }));
      ctx.logger.info({ table: TableName }, "created dynamodb table");
    } catch (err) {
      // Another process created it between our describe and create.
      if (errorName(err) !== "ResourceInUseException") throw err;
    }
  }
  await waitUntilTableExists({ client: ctx.client, maxWaitTime: TABLE_WAIT_S }, { TableName });
  const ttlAttribute = TTL_ATTRIBUTES[key];
  if (ttlAttribute) await ensureTtl(ctx, TableName, ttlAttribute);
}

async function ttlEnabled(ctx: DynamoContext, TableName: string): Promise<boolean> {
  const out = await ctx.client.send(new DescribeTimeToLiveCommand({ TableName }));
  const status = out.TimeToLiveDescription?.TimeToLiveStatus;
  return status === "ENABLED" || status === "ENABLING";
}

async function ensureTtl(ctx: DynamoContext, TableName: string, AttributeName: string): Promise<void> {
  if (await ttlEnabled(ctx, TableName)) return;
  try {
    await ctx.client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName, Enabled: true } }));
    ctx.logger.info({ table: TableName, attribute: AttributeName }, "enabled dynamodb ttl");
  } catch (e) {
    // A concurrent bootstrap enabled it first: AWS answers ValidationException ("TimeToLive
    // is already enabled"), the same type as a real mistake, so look again before deciding.
    if (errorName(e) !== "ValidationException" || !(await ttlEnabled(ctx, TableName))) throw e;
  }
}

export async function bootstrapTables(ctx: DynamoContext): Promise<void> {
  await Promise.all(TABLES.map((t) => ensureTable(ctx, t)));
}
