import { create } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";
import { PersistMessageResponseSchema, PersistMessagesResponseSchema, type PersistMessageResponse, type PersistMessagesRequest } from "@chat/proto";
import { CallNotAnswered, toCallError, type IngestApi } from "@chat/rpc";
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

// Batching (ADR 0035): the sends of one tick travel in one PersistMessages call.
function batchIngest(answer: (send: { clientMessageId: string }) => "ok" | ChatError) {
  const calls: string[][] = [];
  let unreachable = false;
  const api = {
    persistMessages(req: PersistMessagesRequest) {
      calls.push(req.sends.map((s) => s.clientMessageId));
      if (unreachable) return Promise.reject(new CallNotAnswered("unreachable", "connection refused"));
      return Promise.resolve(
        create(PersistMessagesResponseSchema, {
          results: req.sends.map((s) => {
            const a = answer(s);
            return a === "ok"
              ? { outcome: { case: "persisted" as const, value: create(PersistMessageResponseSchema, { message: { clientMessageId: s.clientMessageId } }) } }
              : { outcome: { case: "error" as const, value: toCallError(a) } };
          }),
        }),
      );
    },
  } as unknown as IngestApi;
  return { api, calls, goDown: () => (unreachable = true) };
}

const outcomeOf = (p: Promise<PersistMessageResponse>) =>
  p.then(
    (r) => `ok ${r.message?.clientMessageId}`,
    (e: ChatError) => `${e.code} ${(e.details.cause as string | undefined) ?? ""} ${e.retryAfterMs ?? ""}`.trim(),
  );

test("sends of one tick go in one PersistMessages call, in order, and each gets its own answer", async () => {
  const ingest = batchIngest((s) =>
    s.clientMessageId === "stranger" ? new ChatError("not_found", "chat not found") : s.clientMessageId === "shed" ? new ChatError("unavailable", "busy", { retryAfterMs: 300, details: { reason: "overloaded" } }) : "ok",
  );
  const client = new IngestClient(ingest.api, 5000, { failureThreshold: 1, openMs: 2000 }, undefined, 100);
  const answers = await Promise.all(["a", "stranger", "b", "shed", "c"].map((id) => outcomeOf(client.persist(input(id)))));
  expect(ingest.calls).toEqual([["a", "stranger", "b", "shed", "c"]]);
  expect(answers).toEqual(["ok a", "not_found", "ok b", "unavailable ingest_overloaded 300", "ok c"]);
  // A user's bad send and ingest shedding are answers, not failures.
  expect(client.breaker.state).toBe("green");
});

test("a call is never larger than maxBatchSends; later ticks make new calls", async () => {
  const ingest = batchIngest(() => "ok");
  const client = new IngestClient(ingest.api, 5000, { failureThreshold: 3, openMs: 2000 }, undefined, 2);
  await Promise.all(["a", "b", "c", "d", "e"].map((id) => client.persist(input(id))));
  await client.persist(input("f"));
  expect(ingest.calls).toEqual([["a", "b"], ["c", "d"], ["e"], ["f"]]);
});

test("a PersistMessages call that is not answered fails each of its sends with the cause, and counts against ingest", async () => {
  const ingest = batchIngest(() => "ok");
  const client = new IngestClient(ingest.api, 5000, { failureThreshold: 3, openMs: 2000 }, undefined, 100);
  ingest.goDown();
  const answers = await Promise.all(["a", "b", "c"].map((id) => outcomeOf(client.persist(input(id)))));
  expect(answers).toEqual(["unavailable ingest_unreachable 1000", "unavailable ingest_unreachable 1000", "unavailable ingest_unreachable 1000"]);
  expect(client.breaker.state).toBe("red");
  expect(await outcomeOf(client.persist(input("next")))).toMatch(/^unavailable ingest_breaker_open/);
});
