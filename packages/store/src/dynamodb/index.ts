import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { Store } from "../port";
import { bootstrapTables } from "./bootstrap";
import { chatRepository } from "./chats";
import { createContext, runStep, type DynamoStoreOptions } from "./context";
import { toItem } from "./marshal";
import { memberRepository } from "./members";
import { messageRepository } from "./messages";
import { createOutbox } from "./outbox";
import { receiptRepository } from "./receipts";
import { sequenceAllocator } from "./sequences";

export type { DynamoStoreOptions, StoreLogger } from "./context";
export { tableNames, TABLES, TABLE_SCHEMAS, MEMBERS_BY_USER_INDEX, IDEMPOTENCY_TTL_ATTRIBUTE, OUTBOX_SHARDS } from "./tables";

// The Store port on DynamoDB (AWS, DynamoDB Local, or DynamoDB in compose). The table layout
// and the DynamoDB operation behind every method are in docs/data-model.md.
export function createDynamoStore(opts: DynamoStoreOptions): Store {
  const ctx = createContext(opts);
  const outbox = createOutbox(ctx);
  const store: Store = {
    ...chatRepository(ctx, outbox.writer),
    ...memberRepository(ctx, outbox.writer),
    ...sequenceAllocator(ctx),
    ...messageRepository(ctx, outbox.writer),
    ...receiptRepository(ctx),
    ...outbox.repository,
    bootstrap: () => bootstrapTables(ctx),
    // A data-plane read of a real table: proves the endpoint, the credentials and the tables.
    async ping() {
      await ctx.client.send(new GetItemCommand({ TableName: ctx.tables.counters, Key: toItem({ chat_id: "ping" }) }));
    },
    async close() {
      ctx.client.destroy();
    },
  };
  // Every method is one step: transaction conflicts retried, outages mapped to unavailable.
  const guarded = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    guarded[name] = (...args: unknown[]) => runStep(ctx, name, () => method(...args));
  }
  return guarded as unknown as Store;
}
