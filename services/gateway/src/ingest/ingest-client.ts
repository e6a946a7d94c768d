import { ChatError } from "@chat/domain";
import type { PersistMessageRequest, PersistMessageResponse, PersistMessagesRequest } from "@chat/proto";
import { traceHeaders } from "@chat/observability";
import { CallNotAnswered, fromCallError, type IngestApi } from "@chat/rpc";
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

// A send waiting for the next PersistMessages call.
interface Waiting {
  input: PersistInput;
  trace: Record<string, string>;
  startedAt: number;
  answersBefore: number;
  resolve(res: PersistMessageResponse): void;
  reject(e: unknown): void;
}

// PersistMessage with the ADR-009 guards: a deadline per call and a circuit breaker that
// answers `unavailable` at once while ingest is failing. Every `unavailable` says what failed.
// The port is gRPC to an ingest replica, or ingest itself in the all-in-one: the same here.
// With maxBatchSends > 1 the sends of one event-loop tick travel in one PersistMessages call
// (ADR 0035): per call, ingest pays HTTP/2, Connect and protobuf framing once instead of per
// send; each send is still answered, and judged by the breaker, on its own.
export class IngestClient {
  readonly breaker: CircuitBreaker;
  // Calls ingest answered so far (stored, refused, any error its own code raised).
  private answers = 0;
  private waiting: Waiting[] = [];
  private flushScheduled = false;

  constructor(
    private readonly api: IngestApi,
    private readonly deadlineMs: number,
    breaker: BreakerOptions,
    onHealthChange: (to: BreakerState, from: BreakerState) => void = () => undefined,
    private readonly maxBatchSends = 1,
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
    if (this.maxBatchSends > 1) {
      return new Promise((resolve, reject) => this.enqueue({ input, trace: traceHeaders(), startedAt, answersBefore, resolve, reject }));
    }
    try {
      // A request built for this call alone: the port may hand it to ingest as it is.
      const res = await this.api.persistMessage(request(input, {}), { deadlineAtMs: startedAt + this.deadlineMs, trace: traceHeaders() });
      this.answered();
      return res;
    } catch (e) {
      throw this.failed(e, answersBefore);
    }
  }

  // Sends queue until the end of the current tick (or until a call is full): a burst of frames
  // read in one I/O phase becomes one call, a lone send waits no timer.
  private enqueue(w: Waiting): void {
    this.waiting.push(w);
    if (this.waiting.length >= this.maxBatchSends) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.flushScheduled = false;
    // The sends keep the order they arrived in: ingest queues them in this order, so a chat's
    // sends are sequenced as they were sent.
    const req: PersistMessagesRequest = { $typeName: "messaging.v1.PersistMessagesRequest", sends: batch.map((w) => request(w.input, w.trace)) };
    this.api.persistMessages(req, { deadlineAtMs: batch[0].startedAt + this.deadlineMs }).then(
      (res) => {
        if (res.results.length !== batch.length) {
          const e = new ChatError("internal", `ingest answered ${res.results.length} results for ${batch.length} sends`);
          for (const w of batch) w.reject(this.failed(e, w.answersBefore));
          return;
        }
        batch.forEach((w, i) => {
          const outcome = res.results[i].outcome;
          if (outcome.case === "persisted") {
            this.answered();
            w.resolve(outcome.value);
          } else {
            const e = outcome.case === "error" ? fromCallError(outcome.value) : new ChatError("internal", "ingest answered a send with no outcome");
            w.reject(this.failed(e, w.answersBefore));
          }
        });
      },
      (e: unknown) => {
        for (const w of batch) w.reject(this.failed(e, w.answersBefore));
      },
    );
  }

  private answered(): void {
    this.answers++;
    this.breaker.onSuccess();
  }

  // The error the sender gets, after telling the breaker what this failure says about ingest.
  private failed(e: unknown, answersBefore: number): ChatError {
    // The port throws ChatError: ingest's own answer, or CallNotAnswered.
    const err = e instanceof ChatError ? e : new CallNotAnswered("failed", "internal error", e);
    if (!(err instanceof CallNotAnswered)) this.answers++;
    // Timed out while ingest answered other calls meanwhile: ingest is alive and this send
    // waited too long (a commit stalled on a starved store). That is load, not failure: the
    // sender retries after a second and the breaker is left as it is, so one slow spell does
    // not fail every user's sends for the cool-down. A hung or unreachable ingest answers
    // nothing, and its timeouts count as before (and always while half-open).
    if (err instanceof CallNotAnswered && err.reason === "timeout" && this.answers > answersBefore && this.breaker.state === "green") {
      return unavailable("ingest_overloaded", `message store is overloaded (no answer within ${this.deadlineMs} ms); ${RETRY}`, 1000, e);
    }
    // Ingest shedding load is alive and answering: the sender waits the retry-after ingest
    // chose, and the breaker stays closed so one flooding chat does not fail every user's sends.
    if (err.code === "unavailable" && err.details.reason === "overloaded") {
      this.breaker.onSuccess();
      return unavailable("ingest_overloaded", `message store is overloaded; ${RETRY}`, err.retryAfterMs ?? 1000, e);
    }
    // Only infrastructure failures count against ingest's health, not a user's bad request.
    if (err.code === "unavailable" || err.code === "deadline_exceeded" || err.code === "internal") {
      this.breaker.onFailure(Date.now());
      const [cause, message] = this.describe(err);
      return unavailable(cause, `${message}; ${RETRY}`, err.code === "unavailable" && err.retryAfterMs !== undefined ? err.retryAfterMs : 1000, e);
    }
    this.breaker.onSuccess();
    return err;
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

// A literal, not create() (its reflection costs more than the rest of the call in-process).
function request(input: PersistInput, traceContext: Record<string, string>): PersistMessageRequest {
  return { $typeName: "messaging.v1.PersistMessageRequest", chatId: input.chatId, senderId: input.senderId, clientMessageId: input.clientMessageId, body: input.body, contentType: input.contentType, traceContext };
}

function unavailable(cause: IngestFailure, message: string, retryAfterMs: number, e?: unknown): ChatError {
  return new ChatError("unavailable", message, { retryAfterMs, details: { dependency: "ingest", cause }, cause: e });
}
