import { create, type JsonObject } from "@bufbuild/protobuf";
import { ChatError, isErrorCode } from "@chat/domain";
import { CallErrorSchema, type CallError } from "@chat/proto";

// A ChatError inside a response body, for batch calls that answer each item on its own
// (PersistMessages): the same code, message, retry-after and details the trailers carry for a
// single call. Anything that is not a ChatError is a crash: `internal`, its text not exposed.
export function toCallError(e: unknown): CallError {
  if (!(e instanceof ChatError)) return create(CallErrorSchema, { code: "internal", message: "internal error" });
  return create(CallErrorSchema, {
    code: e.code,
    message: e.message,
    retryAfterMs: e.retryAfterMs,
    details: Object.keys(e.details).length > 0 ? (JSON.parse(JSON.stringify(e.details)) as JsonObject) : undefined,
  });
}

// An unknown code (a newer callee) reads as `internal`, as an unknown trailer does.
export function fromCallError(ce: CallError): ChatError {
  return new ChatError(isErrorCode(ce.code) ? ce.code : "internal", ce.message, { retryAfterMs: ce.retryAfterMs, details: ce.details });
}
