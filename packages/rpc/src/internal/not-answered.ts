import { ChatError, type ErrorCode } from "@chat/domain";

// timeout: the caller's deadline passed first. unreachable: the callee could not be reached or
// went away mid-call. failed: an answer without a chat error code (a crash in the callee, a
// broken transport).
export type NotAnsweredReason = "timeout" | "unreachable" | "failed";

const CODE: Record<NotAnsweredReason, ErrorCode> = { timeout: "deadline_exceeded", unreachable: "unavailable", failed: "internal" };

// An internal call that got no answer from the callee's own code. Anything else a port throws
// is a plain ChatError the callee raised (its code, retry-after and details as it set them), so
// a caller can tell "ingest said overloaded" from "ingest did not answer in time".
export class CallNotAnswered extends ChatError {
  constructor(
    readonly reason: NotAnsweredReason,
    message: string,
    cause?: unknown,
  ) {
    super(CODE[reason], message, { cause });
    this.name = "CallNotAnswered";
  }
}
