import type { ConnectRouter } from "@connectrpc/connect";
import { childTraceparent } from "@chat/domain";
import { IngestService } from "@chat/proto";
import type { Histogram } from "@chat/observability";
import type { MessagePersister } from "../persist/persist-message";

export function ingestRoutes(persister: MessagePersister, persistDuration: Histogram<"outcome">) {
  return (router: ConnectRouter) =>
    router.service(IngestService, {
      async persistMessage(req, ctx) {
        const end = persistDuration.startTimer();
        try {
          const { message, duplicate } = await persister.persist(req, childTraceparent(ctx.requestHeader.get("traceparent")));
          end({ outcome: duplicate ? "duplicate" : "stored" });
          return { message, duplicate };
        } catch (e) {
          end({ outcome: "error" });
          throw e;
        }
      },
    });
}
