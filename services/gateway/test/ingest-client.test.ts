import { create } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";
import { PersistMessageResponseSchema, type PersistMessageResponse } from "@chat/proto";
import { CallNotAnswered, type IngestApi } from "@chat/rpc";
import { IngestClient } from "../src/ingest/ingest-client";

// The breaker towards ingest (ADR-009) counts ingest failing, not ingest busy: a call that timed
// out while ingest answered other calls is load (the sender retries), not a failure.

// Each call waits until the test settles it: answered, or "not answered in time".
function manualIngest() {
  const pending = new Map<string, { answer(): void; timeout(): void }>();
  const api = {
    persistMessage(req: { clientMessageId: string }) {
      return new Promise<PersistMessageResponse>((resolve, reject) => {
        pending.set(req.clientMessageId, {
          answer: () => resolve(create(PersistMessageResponseSchema, {})),
          timeout: () => reject(new CallNotAnswered("timeout", "deadline exceeded")),
        });
      });
    },
  } as unknown as IngestApi;
  return { api, settle: (id: string) => pending.get(id)! };
}

const input = (id: string) => ({ chatId: "c", senderId: "u", clientMessageId: id, body: "hi", contentType: "text/plain" });

async function cause(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return (e as ChatError).details.cause;
  }
}

test("timeouts of calls while ingest answers others are load: the sender is told overloaded and the breaker stays closed", async () => {
  const ingest = manualIngest();
  const client = new IngestClient(ingest.api, 5000, { failureThreshold: 3, openMs: 2000 });
  const slow = Array.from({ length: 6 }, (_, i) => cause(client.persist(input(`slow${i}`))));
  const fast = client.persist(input("fast"));
  ingest.settle("fast").answer(); // ingest is alive and answering...
  await fast;
  for (let i = 0; i < 6; i++) ingest.settle(`slow${i}`).timeout(); // ...but these waited too long
  for (const c of slow) expect(await c).toBe("ingest_overloaded");
  expect(client.breaker.state).toBe("green");
});

test("timeouts while ingest answers nothing open the breaker, as before", async () => {
  const ingest = manualIngest();
  const client = new IngestClient(ingest.api, 5000, { failureThreshold: 3, openMs: 2000 });
  const hung = Array.from({ length: 3 }, (_, i) => cause(client.persist(input(`h${i}`))));
  for (let i = 0; i < 3; i++) ingest.settle(`h${i}`).timeout();
  for (const c of hung) expect(await c).toBe("ingest_timeout");
  expect(client.breaker.state).toBe("red");
  expect(await cause(client.persist(input("next")))).toBe("ingest_breaker_open");
});
