import type { CancellationReason } from "@aws-sdk/client-dynamodb";
import { ChatError } from "@chat/domain";

// Classification of SDK errors. The SDK's own retry strategy already retried throttling,
// 5xx and network errors (maxAttempts) before any of these reach us.

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: CancellationReason[];
}

function asSdkError(e: unknown): SdkError {
  return typeof e === "object" && e !== null ? e : {};
}

export function isConditionalCheckFailed(e: unknown): boolean {
  return asSdkError(e).name === "ConditionalCheckFailedException";
}

// Index-aligned with the transaction's items; "None" for items that passed.
export function cancellationReasons(e: unknown): CancellationReason[] | undefined {
  const err = asSdkError(e);
  return err.name === "TransactionCanceledException" ? (err.CancellationReasons ?? []) : undefined;
}

export function failedCondition(reasons: CancellationReason[], index: number): CancellationReason | undefined {
  const r = reasons[index];
  return r?.Code === "ConditionalCheckFailed" ? r : undefined;
}

// Two transactions (or a transaction and a plain write) touched the same item at once. The
// SDK does not retry these, but nothing was written, so running the step again is safe.
export function isTransactionConflict(e: unknown): boolean {
  const err = asSdkError(e);
  if (err.name === "TransactionConflictException") return true;
  return (cancellationReasons(e) ?? []).some((r) => r.Code === "TransactionConflict" || r.Code === "ThrottlingError" || r.Code === "ProvisionedThroughputExceeded");
}

const UNAVAILABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "TransactionInProgressException",
]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

// A dependency outage (after the SDK's retries) becomes ChatError unavailable, so callers
// answer `unavailable` and clients retry with the same client_message_id. Anything else is a
// bug or a misconfiguration and propagates unchanged.
export function translateError(e: unknown): unknown {
  if (e instanceof ChatError) return e;
  const err = asSdkError(e);
  const status = err.$metadata?.httpStatusCode ?? 0;
  if (UNAVAILABLE_NAMES.has(err.name ?? "") || NETWORK_CODES.has(err.code ?? "") || status >= 500 || isTransactionConflict(e)) {
    return new ChatError("unavailable", "the message store is unavailable, retry later", { cause: e });
  }
  return e;
}
