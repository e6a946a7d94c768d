import { ChatError, DEFAULT_LIMITS, validateId } from "@chat/domain";
import type { PersistMessageRequest, PersistMessageResponse } from "@chat/proto";
import { contextFromHeaders, inSpan, SpanKind, traceHeaders, type Histogram, type Logger } from "@chat/observability";
import { toCallError, type IngestApi } from "@chat/rpc";
import type { MessagePersister } from "../persist/persist-message";

// PersistMessage and PersistMessages, whoever carries them (gRPC, or a direct call in the
// all-in-one): the input is checked here either way.
export function ingestApi(persister: MessagePersister, persistDuration: Histogram<"outcome">, maxBatchSends: number, logger?: Logger): IngestApi {
  function persistOne(req: PersistMessageRequest, deadlineAtMs: number | undefined, trace: Record<string, string> | undefined): Promise<PersistMessageResponse> {
    // The caller (a gateway) vouches for sender_id, but it still has to be an id: a
    // malformed one would create rows no API can address (ADR-0010).
    try {
      validateId("sender_id", req.senderId, DEFAULT_LIMITS.maxIdLength);
    } catch (e) {
      return Promise.reject(e);
    }
    const end = persistDuration.startTimer();
    // The gateway's send span is the parent; the outbox entry carries this span's context.
    // persist() queues the send before inSpan returns: sends submitted one after another keep
    // their order in the chat's lane.
    return inSpan("ingest", "ingest.persist_message", { kind: SpanKind.SERVER, parent: contextFromHeaders(trace), attributes: { "chat.id": req.chatId } }, async () => {
      // The gateway's deadline: work still queued when it passes is dropped unstored.
      const r = await persister.persist(req, traceHeaders(), { deadlineAtMs });
      // Ids only (never the body); the line carries this span's trace_id.
      if (logger?.isLevelEnabled("debug")) logger.debug({ chatId: r.message.chatId, seq: String(r.message.seq), messageId: r.message.messageId, duplicate: r.duplicate }, "message persisted");
      return r;
    }).then(
      ({ message, duplicate }) => {
        end({ outcome: duplicate ? "duplicate" : "stored" });
        return { $typeName: "messaging.v1.PersistMessageResponse", message, duplicate };
      },
      (e: unknown) => {
        end({ outcome: "error" });
        throw e;
      },
    );
  }

  return {
    persistMessage(req, opts) {
      return persistOne(req, opts.deadlineAtMs, opts.trace);
    },

    // Every send is submitted before the first answer (in the request's order), and each one
    // is answered with its own outcome: one refused send fails nobody else's.
    async persistMessages(req, opts) {
      if (req.sends.length > maxBatchSends) throw new ChatError("invalid_argument", `at most ${maxBatchSends} sends per PersistMessages call, got ${req.sends.length}`);
      const pending = req.sends.map((send) => persistOne(send, opts.deadlineAtMs, Object.keys(send.traceContext).length > 0 ? send.traceContext : opts.trace));
      const settled = await Promise.allSettled(pending);
      // Literals, not create(): one result per send.
      return {
        $typeName: "messaging.v1.PersistMessagesResponse",
        results: settled.map((s) => ({
          $typeName: "messaging.v1.PersistMessageResult",
          outcome: s.status === "fulfilled" ? { case: "persisted", value: s.value } : { case: "error", value: toCallError(s.reason) },
        })),
      };
    },
  };
}
