import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { ChatError } from "@chat/domain";
import { IngestService, type PersistMessageResponse } from "@chat/proto";
import { fromConnectError } from "@chat/rpc";
import { CircuitBreaker } from "./circuit-breaker";

export interface PersistInput {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  body: string;
  contentType: string;
}

// PersistMessage with the ADR-009 guards: a deadline per call and a circuit breaker that
// answers `unavailable` at once while ingest is failing.
export class IngestClient {
  private readonly client: Client<typeof IngestService>;
  readonly breaker = new CircuitBreaker({ failureThreshold: 5, openMs: 2000 });

  constructor(
    transport: Transport,
    private readonly deadlineMs: number,
  ) {
    this.client = createClient(IngestService, transport);
  }

  async persist(input: PersistInput, traceparent: string): Promise<PersistMessageResponse> {
    const gate = this.breaker.tryAcquire(Date.now());
    if (!gate.allowed) throw new ChatError("unavailable", "message store is unavailable; retry with the same client_message_id", { retryAfterMs: gate.retryAfterMs });
    try {
      const res = await this.client.persistMessage(input, { timeoutMs: this.deadlineMs, headers: { traceparent } });
      this.breaker.onSuccess();
      return res;
    } catch (e) {
      const err = fromConnectError(e);
      // Only infrastructure failures count against ingest's health, not a user's bad request.
      if (err.code === "unavailable" || err.code === "deadline_exceeded" || err.code === "internal") {
        this.breaker.onFailure(Date.now());
        throw new ChatError("unavailable", "message store did not answer in time; retry with the same client_message_id", { retryAfterMs: 1000, cause: e });
      }
      this.breaker.onSuccess();
      throw err;
    }
  }
}
