import { create } from "@bufbuild/protobuf";
import { DEFAULT_LIMITS, validateId } from "@chat/domain";
import { PersistMessageResponseSchema } from "@chat/proto";
import { contextFromHeaders, inSpan, SpanKind, traceHeaders, type Histogram, type Logger } from "@chat/observability";
import type { IngestApi } from "@chat/rpc";
import type { MessagePersister } from "../persist/persist-message";

// PersistMessage, whoever carries it (gRPC, or a direct call in the all-in-one): the input is
// checked here either way.
export function ingestApi(persister: MessagePersister, persistDuration: Histogram<"outcome">, logger?: Logger): IngestApi {
  return {
    async persistMessage(req, opts) {
      // The caller (a gateway) vouches for sender_id, but it still has to be an id: a
      // malformed one would create rows no API can address (ADR-0010).
      validateId("sender_id", req.senderId, DEFAULT_LIMITS.maxIdLength);
      const end = persistDuration.startTimer();
      try {
        // The gateway's send span is the parent; the outbox entry carries this span's context.
        const { message, duplicate } = await inSpan(
          "ingest",
          "ingest.persist_message",
          { kind: SpanKind.SERVER, parent: contextFromHeaders(opts.trace), attributes: { "chat.id": req.chatId } },
          async () => {
            // The gateway's deadline: work still queued when it passes is dropped unstored.
            const r = await persister.persist(req, traceHeaders(), { deadlineAtMs: opts.deadlineAtMs });
            // Ids only (never the body); the line carries this span's trace_id.
            logger?.debug({ chatId: r.message.chatId, seq: String(r.message.seq), messageId: r.message.messageId, duplicate: r.duplicate }, "message persisted");
            return r;
          },
        );
        end({ outcome: duplicate ? "duplicate" : "stored" });
        return create(PersistMessageResponseSchema, { message, duplicate });
      } catch (e) {
        end({ outcome: "error" });
        throw e;
      }
    },
  };
}
