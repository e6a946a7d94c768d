import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

// The request id of the API call being served, for every log line written while it runs
// (the logger's mixin reads it), however deep the code that logs.
const current = new AsyncLocalStorage<string>();

export const REQUEST_ID_HEADER = "x-request-id";

// An id a client or proxy sent (ALB, nginx) is kept so its logs and ours join; anything that
// does not look like an id (too long, spaces, control characters: log injection) is replaced.
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdFrom(incoming: string | string[] | null | undefined): string {
  const v = Array.isArray(incoming) ? incoming[0] : incoming;
  return v && ACCEPTABLE.test(v) ? v : `req_${randomUUID()}`;
}

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return current.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return current.getStore();
}
