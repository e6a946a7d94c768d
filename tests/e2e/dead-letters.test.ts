import { DEAD_LETTER_HEADERS, TOPICS } from "@chat/domain";
import type { EventRecord } from "@chat/eventlog";
import { startHarness, type Harness } from "./support/all-in-one-harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

test("a poison event is sent to dead_letters with its provenance, and fanout goes on delivering", async () => {
  const chatId = await h.createGroup("alice", ["bob"]);
  const bob = await h.connect("bob");
  const alice = await h.connect("alice");

  const dead: EventRecord[] = [];
  const watcher = await h.app.eventLog.subscribe({
    groupId: "test-dead-letter-watcher",
    topics: [TOPICS.deadLetters.name],
    handleBatch: async (b) => void dead.push(...b.records),
  });
  // Garbage on the chat's own key, so it sits in the same partition as the chat's messages.
  const poison = new Uint8Array([0xff, 0xff, 0xff, 0x01]);
  await h.app.eventLog.publish(TOPICS.messagesPersisted.name, [{ key: chatId, value: poison, headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } }]);
  await alice.request({ sendMessage: { chatId, clientMessageId: "after-poison", body: "still flowing" } });

  expect((await bob.messages(chatId, 1, 10_000))[0].body).toBe("still flowing");
  await bob.waitFor(() => dead.length > 0, 10_000);
  const [letter] = dead;
  expect(letter.key).toBe(chatId);
  expect([...letter.value]).toEqual([...poison]);
  expect(letter.headers).toMatchObject({
    [DEAD_LETTER_HEADERS.sourceTopic]: TOPICS.messagesPersisted.name,
    [DEAD_LETTER_HEADERS.attempts]: "3",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  });
  expect(Number(letter.headers[DEAD_LETTER_HEADERS.sourcePartition])).toBeGreaterThanOrEqual(0);
  expect(letter.headers[DEAD_LETTER_HEADERS.sourceOffset]).toMatch(/^\d+$/);
  expect(letter.headers[DEAD_LETTER_HEADERS.error]).toContain("messages.persisted");
  await watcher.stop();
  await Promise.all([alice.close(), bob.close()]);
});
