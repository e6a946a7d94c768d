import type { ConnectRouter } from "@connectrpc/connect";
import { DEFAULT_LIMITS, childTraceparent, validateId } from "@chat/domain";
import { IngestService } from "@chat/proto";
import type { Histogram } from "@chat/observability";
import type { MessagePersister } from "../persist/persist-message";

export function ingestRoutes(persister: MessagePersister, persistDuration: Histogram<"outcome">) {
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
          const { message, duplicate } = await persister.persist(req, childTraceparent(ctx.requestHeader.get("traceparent")), { deadlineAtMs });
          end({ outcome: duplicate ? "duplicate" : "stored" });
          return { message, duplicate };
        } catch (e) {
          end({ outcome: "error" });
          throw e;
        }
      },
    });
}
