import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { ChatError } from "@chat/domain";
import { IngestService, type PersistMessageResponse } from "@chat/proto";
import { traceHeaders } from "@chat/observability";
import { ERROR_CODE_TRAILER, fromConnectError } from "@chat/rpc";
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
export class IngestClient {
  private readonly client: Client<typeof IngestService>;
  readonly breaker: CircuitBreaker;

  constructor(
    transport: Transport,
    private readonly deadlineMs: number,
    breaker: BreakerOptions,
    onHealthChange: (to: BreakerState, from: BreakerState) => void = () => undefined,
  ) {
    this.client = createClient(IngestService, transport);
    this.breaker = new CircuitBreaker(breaker, onHealthChange);
  }

  async persist(input: PersistInput): Promise<PersistMessageResponse> {
    const gate = this.breaker.tryAcquire(Date.now());
    if (!gate.allowed) {
      throw unavailable("ingest_breaker_open", `message store is unavailable (circuit open after repeated failures); ${RETRY}`, gate.retryAfterMs);
    }
    try {
      const res = await this.client.persistMessage(input, { timeoutMs: this.deadlineMs, headers: traceHeaders() });
      this.breaker.onSuccess();
      return res;
    } catch (e) {
      const err = fromConnectError(e);
      // Ingest shedding load is alive and answering: the sender waits the retry-after ingest
      // chose, and the breaker stays closed so one flooding chat does not fail every user's sends.
      if (err.code === "unavailable" && err.details.reason === "overloaded") {
        this.breaker.onSuccess();
        throw unavailable("ingest_overloaded", `message store is overloaded; ${RETRY}`, err.retryAfterMs ?? 1000, e);
      }
      // Only infrastructure failures count against ingest's health, not a user's bad request.
      if (err.code === "unavailable" || err.code === "deadline_exceeded" || err.code === "internal") {
        this.breaker.onFailure(Date.now());
        const [cause, message] = this.describe(e, err);
        throw unavailable(cause, `${message}; ${RETRY}`, err.code === "unavailable" && err.retryAfterMs !== undefined ? err.retryAfterMs : 1000, e);
      }
      this.breaker.onSuccess();
      throw err;
    }
  }

  private describe(raw: unknown, err: ChatError): [IngestFailure, string] {
    // An error ingest itself answered carries the chat error code trailer; a transport failure
    // (refused, reset, no route, our own deadline) does not.
    const answered = raw instanceof ConnectError && raw.metadata.has(ERROR_CODE_TRAILER);
    if (!answered && raw instanceof ConnectError && raw.code === Code.DeadlineExceeded) return ["ingest_timeout", `message store did not answer within ${this.deadlineMs} ms`];
    if (!answered && (err.code === "unavailable" || isNetworkError(raw))) return ["ingest_unreachable", "message store (ingest) is unreachable"];
    if (answered && err.code !== "internal") return ["ingest_unavailable", `message store is unavailable: ${err.message}`];
    return ["ingest_failed", "message store failed to process the send"];
  }
}

function unavailable(cause: IngestFailure, message: string, retryAfterMs: number, e?: unknown): ChatError {
  return new ChatError("unavailable", message, { retryAfterMs, details: { dependency: "ingest", cause }, cause: e });
}

// connect-node reports a refused or reset connection as `internal` (or `unavailable`) with the
// socket's system error somewhere in the cause chain.
function isNetworkError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === "object" && depth < 6; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if ((cur as { syscall?: unknown }).syscall !== undefined) return true;
    if (typeof code === "string" && /^(ECONN|EHOST|ENET|ENOTFOUND|EAI_|EPIPE|ERR_HTTP2_(STREAM|SESSION|GOAWAY|INVALID_SESSION))/.test(code)) return true;
  }
  return false;
}
