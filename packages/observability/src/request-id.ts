import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

// The request id of the API call being served, for every log line written while it runs
// (the logger's mixin reads it), however deep the code that logs.
//
// On Node 20 an enabled AsyncLocalStorage installs promise hooks that make every promise and
// await in the process about 2.5 times slower, messages included (ADR 0032). So the storage is
// enabled only while a request runs under it: once the last one in flight ends it is disabled
// again, and the next withRequestId enables it anew.
const current = new AsyncLocalStorage<string>();
let inFlight = 0;

export const REQUEST_ID_HEADER = "x-request-id";

// An id a client or proxy sent (ALB, nginx) is kept so its logs and ours join; anything that
// does not look like an id (too long, spaces, control characters: log injection) is replaced.
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdFrom(incoming: string | string[] | null | undefined): string {
  const v = Array.isArray(incoming) ? incoming[0] : incoming;
  return v && ACCEPTABLE.test(v) ? v : `req_${randomUUID()}`;
}

// Runs fn under the id. The request lasts until `until` settles if given (e.g. the HTTP
// response closes), else until the promise fn returns settles, else until fn returns; work it
// leaves running after that may log without the id.
export function withRequestId<T>(requestId: string, fn: () => T, until?: PromiseLike<unknown>): T {
  inFlight++;
  let result: T;
  try {
    result = current.run(requestId, fn);
  } catch (e) {
    ended();
    throw e;
  }
  const end = until ?? (isThenable(result) ? result : undefined);
  if (end) end.then(ended, ended);
  else ended();
  return result;
}

export function currentRequestId(): string | undefined {
  return inFlight > 0 ? current.getStore() : undefined;
}

function ended(): void {
  if (--inFlight === 0) current.disable();
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}
