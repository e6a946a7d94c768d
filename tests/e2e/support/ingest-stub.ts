import { create } from "@bufbuild/protobuf";
import { PersistMessageResultSchema, PersistMessagesResponseSchema } from "@chat/proto";
import { toCallError, type IngestApi } from "@chat/rpc";

// A stand-in ingest from one PersistMessage function: PersistMessages answers each send of a
// batch with what that function answers for it, as the real ingest does (ADR 0035).
export function ingestStub(persistMessage: IngestApi["persistMessage"]): IngestApi {
  return {
    persistMessage,
    async persistMessages(req, opts) {
      const settled = await Promise.allSettled(req.sends.map((send) => persistMessage(send, opts)));
      return create(PersistMessagesResponseSchema, {
        results: settled.map((s) => create(PersistMessageResultSchema, { outcome: s.status === "fulfilled" ? { case: "persisted", value: s.value } : { case: "error", value: toCallError(s.reason) } })),
      });
    },
  };
}
