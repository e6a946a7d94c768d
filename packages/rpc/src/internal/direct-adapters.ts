import type { DescService } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";
import { unaryMethods } from "./connect-adapters";
import type { CallOptions, InternalApi } from "./internal-api";
import { DeadlineQueue } from "./deadline-queue";
import { CallNotAnswered } from "./not-answered";

type AnyMethod = (req: unknown, opts: CallOptions) => Promise<unknown>;

// The caller side inside one process (all-in-one, ADR 0030): the callee's port is called as a
// function. No encoding, no Connect stack, no AbortSignal, no headers: the request and response
// messages are handed over as they are. What a call over gRPC guarantees is kept:
// - the deadline: an expired call is not made, and the caller stops waiting at the deadline
//   with CallNotAnswered("timeout"), exactly as its gRPC client would; the callee gets
//   deadlineAtMs and drops work not started in time (ingest's lanes do);
// - errors: a ChatError the callee throws reaches the caller as it is (code, retry-after,
//   details); anything else is CallNotAnswered("failed"), like a handler crash over gRPC;
// - a callee that is gone (its service stopped) is CallNotAnswered("unreachable");
// - the trace context travels in CallOptions.trace as it would in the headers.
// Ownership: the caller builds the request for the call and never touches it again; the
// callee hands the response over the same way. Both sides treat the messages as immutable.
export function directApi<S extends DescService>(service: S, address: string, resolve: () => InternalApi<S> | undefined): InternalApi<S> {
  const api: Record<string, AnyMethod> = {};
  const deadlines = new DeadlineQueue();
  for (const name of unaryMethods(service)) {
    api[name] = (req, opts) => {
      const target = resolve() as unknown as Record<string, AnyMethod> | undefined;
      if (!target) return Promise.reject(new CallNotAnswered("unreachable", `nothing serves ${address}`));
      const deadlineAtMs = opts.deadlineAtMs;
      if (deadlineAtMs === undefined) return invoke(target, name, req, opts);
      const left = deadlineAtMs - Date.now();
      if (left <= 0) return Promise.reject(timedOut(address));
      return new Promise((resolve, reject) => {
        // No AbortSignal, no timer per call: one queue of deadlines per caller (deadline-queue.ts).
        const deadline = deadlines.add(deadlineAtMs, () => reject(timedOut(address)));
        invoke(target, name, req, opts).then(
          (res) => {
            deadline.settle();
            resolve(res);
          },
          (e: unknown) => {
            deadline.settle();
            reject(e);
          },
        );
      });
    };
  }
  return api as unknown as InternalApi<S>;
}

// Always a promise: a callee that throws before its first await rejects like one that throws after.
function invoke(target: Record<string, AnyMethod>, name: string, req: unknown, opts: CallOptions): Promise<unknown> {
  try {
    return target[name](req, opts).catch((e: unknown) => Promise.reject(asAnswer(e)));
  } catch (e) {
    return Promise.reject(asAnswer(e));
  }
}

function asAnswer(e: unknown): ChatError {
  return e instanceof ChatError ? e : new CallNotAnswered("failed", "internal error", e);
}

function timedOut(address: string): CallNotAnswered {
  return new CallNotAnswered("timeout", `${address} did not answer before the deadline`);
}
