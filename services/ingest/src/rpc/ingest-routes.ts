import type { ConnectRouter } from "@connectrpc/connect";
import { IngestService } from "@chat/proto";
import type { Histogram } from "@chat/observability";
import type { MessagePersister } from "../persist/persist-message";

export function ingestRoutes(persister: MessagePersister, persistDuration: Histogram<"outcome">) {
  return (router: ConnectRouter) =>
    router.service(IngestService, {
      async persistMessage(req) {
        const end = persistDuration.startTimer();
        try {
          const { message, duplicate } = await persister.persist(req);
          end({ outcome: duplicate ? "duplicate" : "stored" });
          return { message, duplicate };
        } catch (e) {
          end({ outcome: "error" });
          throw e;
        }
      },
    });
}
