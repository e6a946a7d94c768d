import { randomUUID } from "node:crypto";
import { DynamoDBClient, TransactWriteItemsCommand, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import pRetry from "p-retry";
import { isTransactionConflict, translateError } from "./errors";
import { DEFAULT_HTTP_TIMEOUTS, httpHandlerOptions, type DynamoHttpTimeouts } from "./http";
import { tableNames, type TableNames } from "./tables";

// pino-compatible subset, so services pass their logger straight in.
export interface StoreLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface DynamoStoreOptions {
  // Absent for AWS itself; DynamoDB Local / compose set it.
  endpoint?: string;
  region: string;
  tablePrefix: string;
  logger?: StoreLogger;
  // Attempts per request in the SDK's retry strategy (throttling, 5xx, network errors).
  maxAttempts?: number;
  // Per HTTP request (each attempt); the defaults keep a whole store call inside the
  // hole-finality bound of docs/data-model.md.
  timeouts?: DynamoHttpTimeouts;
  // Called once per HTTP request sent to DynamoDB (every attempt, retries included) with the
  // operation's name ("TransactWriteItems"): the store_requests_total metric.
  onRequest?: (operation: string) => void;
}

// What every repository module needs: the client, the table names and the transaction helper.
export interface DynamoContext {
  client: DynamoDBClient;
  tables: TableNames;
  logger: StoreLogger;
  transact(items: TransactWriteItem[]): Promise<void>;
}

const silent: StoreLogger = { info() {}, warn() {} };

export function createContext(opts: DynamoStoreOptions): DynamoContext {
  const client = new DynamoDBClient({
    region: opts.region,
    endpoint: opts.endpoint,
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: "standard",
    // Fail over to a retry quickly instead of hanging past the gateway's 5 s ingest deadline.
    requestHandler: httpHandlerOptions(opts.timeouts ?? DEFAULT_HTTP_TIMEOUTS),
  });
  const onRequest = opts.onRequest;
  if (onRequest) {
    // The deserialize step runs once per attempt (the retry middleware sits above it), so
    // retries are counted too: what DynamoDB actually received.
    client.middlewareStack.add(
      (next, context) => (args) => {
        onRequest(String(context.commandName ?? "unknown").replace(/Command$/, ""));
        return next(args);
      },
      { step: "deserialize", name: "chatStoreRequestCounter" },
    );
  }
  return {
    client,
    tables: tableNames(opts.tablePrefix),
    logger: opts.logger ?? silent,
    async transact(items) {
      // A fresh token per call: if the SDK resends after a lost response, DynamoDB recognises
      // the token and does not apply the writes twice (which would fail their conditions and
      // turn our own success into a spurious "already exists" / "duplicate").
      await client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
    },
  };
}

// Runs one store step. Transaction conflicts are retried with jittered backoff (the SDK does
// not retry them; a conflicted step wrote nothing, so the whole step, reads included, runs
// again). Outages that survive the retries become ChatError unavailable.
export async function runStep<T>(ctx: DynamoContext, op: string, step: () => Promise<T>): Promise<T> {
  try {
    return await pRetry(step, {
      retries: 6,
      minTimeout: 20,
      maxTimeout: 1000,
      factor: 2,
      randomize: true,
      shouldRetry: (e) => isTransactionConflict(e),
      onFailedAttempt: (e) => {
        if (isTransactionConflict(e)) ctx.logger.warn({ op, attempt: e.attemptNumber, retriesLeft: e.retriesLeft }, "dynamodb transaction conflict, retrying");
      },
    });
  } catch (e) {
    throw translateError(e);
  }
}
