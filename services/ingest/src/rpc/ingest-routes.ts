import type { ConnectRouter } from "@connectrpc/connect";
import { DEFAULT_LIMITS, validateId } from "@chat/domain";
import { IngestService } from "@chat/proto";
import { contextFromHeaders, inSpan, SpanKind, traceHeaders, type Histogram, type Logger } from "@chat/observability";
import type { MessagePersister } from "../persist/persist-message";

export function ingestRoutes(persister: MessagePersister, persistDuration: Histogram<"outcome">, logger?: Logger) {
  return (router: ConnectRouter) =>
    router.service(IngestService, {
      async persistMessage(req, ctx) {
        // The caller (a gateway) vouches for sender_id, but it still has to be an id: a
        // malformed one would create rows no API can address (ADR-0010).
        validateId("sender_id", req.senderId, DEFAULT_LIMITS.maxIdLength);
        const end = persistDuration.startTimer();
        try {
          // The gateway's RPC deadline arrives as the grpc-timeout / connect-timeout-ms header.
          const timeoutMs = ctx.timeoutMs();
          const deadlineAtMs = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
          // The gateway's send span is the parent; the outbox entry carries this span's context.
          const { message, duplicate } = await inSpan(
            "ingest",
            "ingest.persist_message",
            { kind: SpanKind.SERVER, parent: contextFromHeaders(ctx.requestHeader), attributes: { "chat.id": req.chatId } },
            async () => {
              const r = await persister.persist(req, traceHeaders(), { deadlineAtMs });
              // Ids only (never the body); the line carries this span's trace_id.
              logger?.debug({ chatId: r.message.chatId, seq: String(r.message.seq), messageId: r.message.messageId, duplicate: r.duplicate }, "message persisted");
              return r;
            },
          );
          end({ outcome: duplicate ? "duplicate" : "stored" });
          return { message, duplicate };
        } catch (e) {
          end({ outcome: "error" });
          throw e;
        }
      },
    });
}
