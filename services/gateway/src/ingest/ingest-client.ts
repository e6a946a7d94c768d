import { create } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";
import { PersistMessageRequestSchema, type PersistMessageResponse } from "@chat/proto";
import { traceHeaders } from "@chat/observability";
import { CallNotAnswered, type IngestApi } from "@chat/rpc";
import { CircuitBreaker, type BreakerOptions, type BreakerState } from "./circuit-breaker";

export interface PersistInput {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  body: string;
  contentType: string;
}

// What exactly failed when a send is answered `unavailable` (error frame `cause`, docs/protocol.md).
export type IngestFailure = "ingest_unreachable" | "ingest_timeout" | "ingest_breaker_open" | "ingest_overloaded" | "ingest_unavailable" | "ingest_failed";

const RETRY = "retry with the same client_message_id";

// PersistMessage with the ADR-009 guards: a deadline per call and a circuit breaker that
// answers `unavailable` at once while ingest is failing. Every `unavailable` says what failed.
// The port is gRPC to an ingest replica, or ingest itself in the all-in-one: the same here.
export class IngestClient {
  readonly breaker: CircuitBreaker;
  // Calls ingest answered so far (stored, refused, any error its own code raised).
  private answers = 0;

  constructor(
    private readonly api: IngestApi,
    private readonly deadlineMs: number,
    breaker: BreakerOptions,
    onHealthChange: (to: BreakerState, from: BreakerState) => void = () => undefined,
  ) {
    this.breaker = new CircuitBreaker(breaker, onHealthChange);
  }

  async persist(input: PersistInput): Promise<PersistMessageResponse> {
    const gate = this.breaker.tryAcquire(Date.now());
    if (!gate.allowed) {
      throw unavailable("ingest_breaker_open", `message store is unavailable (circuit open after repeated failures); ${RETRY}`, gate.retryAfterMs);
    }
    const startedAt = Date.now();
    const answersBefore = this.answers;
    try {
      // A request built for this call alone: the port may hand it to ingest as it is.
      const res = await this.api.persistMessage(create(PersistMessageRequestSchema, input), { deadlineAtMs: startedAt + this.deadlineMs, trace: traceHeaders() });
      this.answers++;
      this.breaker.onSuccess();
      return res;
    } catch (e) {
      // The port throws ChatError: ingest's own answer, or CallNotAnswered.
      const err = e instanceof ChatError ? e : new CallNotAnswered("failed", "internal error", e);
      if (!(err instanceof CallNotAnswered)) this.answers++;
      // Timed out while ingest answered other calls meanwhile: ingest is alive and this send
      // waited too long (a commit stalled on a starved store). That is load, not failure: the
      // sender retries after a second and the breaker is left as it is, so one slow spell does
      // not fail every user's sends for the cool-down. A hung or unreachable ingest answers
      // nothing, and its timeouts count as before (and always while half-open).
      if (err instanceof CallNotAnswered && err.reason === "timeout" && this.answers > answersBefore && this.breaker.state === "green") {
        throw unavailable("ingest_overloaded", `message store is overloaded (no answer within ${this.deadlineMs} ms); ${RETRY}`, 1000, e);
      }
      // Ingest shedding load is alive and answering: the sender waits the retry-after ingest
      // chose, and the breaker stays closed so one flooding chat does not fail every user's sends.
      if (err.code === "unavailable" && err.details.reason === "overloaded") {
        this.breaker.onSuccess();
        throw unavailable("ingest_overloaded", `message store is overloaded; ${RETRY}`, err.retryAfterMs ?? 1000, e);
      }
      // Only infrastructure failures count against ingest's health, not a user's bad request.
      if (err.code === "unavailable" || err.code === "deadline_exceeded" || err.code === "internal") {
        this.breaker.onFailure(Date.now());
        const [cause, message] = this.describe(err);
        throw unavailable(cause, `${message}; ${RETRY}`, err.code === "unavailable" && err.retryAfterMs !== undefined ? err.retryAfterMs : 1000, e);
      }
      this.breaker.onSuccess();
      throw err;
    }
  }

  private describe(err: ChatError): [IngestFailure, string] {
    if (err instanceof CallNotAnswered) {
      if (err.reason === "timeout") return ["ingest_timeout", `message store did not answer within ${this.deadlineMs} ms`];
      if (err.reason === "unreachable") return ["ingest_unreachable", "message store (ingest) is unreachable"];
      return ["ingest_failed", "message store failed to process the send"];
    }
    if (err.code !== "internal") return ["ingest_unavailable", `message store is unavailable: ${err.message}`];
    return ["ingest_failed", "message store failed to process the send"];
  }
}

function unavailable(cause: IngestFailure, message: string, retryAfterMs: number, e?: unknown): ChatError {
  return new ChatError("unavailable", message, { retryAfterMs, details: { dependency: "ingest", cause }, cause: e });
}
