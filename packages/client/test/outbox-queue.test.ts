import { OutboxQueue } from "../src/outbox/outbox-queue";
import { MemoryOutboxStorage, type OutboxEntry } from "../src/outbox/outbox-storage";

const entry = (chatId: string, id: string, createdAt = 0): OutboxEntry => ({ chatId, clientMessageId: id, body: id, contentType: "text/plain", createdAt });

test("one send per chat on the wire, in the order they were queued; chats do not block each other", () => {
  const q = new OutboxQueue({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 0.5);
  q.add(entry("a", "1"), 0);
  q.add(entry("a", "2"), 0);
  q.add(entry("b", "1"), 0);
  expect(q.add(entry("a", "1"), 0)).toBe(false); // same id is the same send
  const due = q.due(0);
  expect(due.map((s) => `${s.entry.chatId}/${s.entry.clientMessageId}`)).toEqual(["a/1", "b/1"]);
  for (const s of due) q.markSent(s, "r");
  expect(q.due(0)).toEqual([]);
  q.acknowledge("a", "1");
  expect(q.due(0).map((s) => s.entry.clientMessageId)).toEqual(["2"]);
  expect(q.size).toBe(2);
});

test("rate_limited waits exactly retry-after and resends the same clientMessageId", () => {
  const q = new OutboxQueue();
  q.add(entry("a", "1"), 0);
  q.markSent(q.due(0)[0], "r1");
  expect(q.onError("a", "1", "rate_limited", 398, 1000)).toEqual({ retry: true, notBefore: 1398 });
  expect(q.due(1397)).toEqual([]);
  expect(q.nextDueAt()).toBe(1398);
  expect(q.due(1398).map((s) => s.entry.clientMessageId)).toEqual(["1"]);
});

test("unavailable without retry-after backs off with jitter; permanent errors remove the send", () => {
  const q = new OutboxQueue({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 0.5);
  q.add(entry("a", "1"), 0);
  q.add(entry("a", "2"), 0);
  q.markSent(q.due(0)[0], "r1");
  expect(q.onError("a", "1", "unavailable", undefined, 0)).toEqual({ retry: true, notBefore: 50 });
  q.markSent(q.due(50)[0], "r2");
  expect(q.onError("a", "1", "unavailable", undefined, 50)).toEqual({ retry: true, notBefore: 150 });
  q.markSent(q.due(150)[0], "r3");
  expect(q.onError("a", "1", "not_found", undefined, 150)).toEqual({ retry: false });
  expect(q.has("a", "1")).toBe(false);
  expect(q.due(150).map((s) => s.entry.clientMessageId)).toEqual(["2"]);
});

test("internal is retried once, then given up", () => {
  const q = new OutboxQueue({ initialDelayMs: 1, maxDelayMs: 1 }, () => 0);
  q.add(entry("a", "1"), 0);
  q.markSent(q.due(0)[0], "r1");
  expect(q.onError("a", "1", "internal", undefined, 0).retry).toBe(true);
  q.markSent(q.due(0)[0], "r2");
  expect(q.onError("a", "1", "internal", undefined, 0).retry).toBe(false);
});

test("a dropped connection releases in-flight sends for an immediate resend", () => {
  const q = new OutboxQueue();
  q.add(entry("a", "1"), 0);
  q.markSent(q.due(0)[0], "r1");
  q.releaseAll(5);
  expect(q.due(5)[0]?.attempts).toBe(1);
});

test("memory storage keeps entries by chat and clientMessageId", async () => {
  const s = new MemoryOutboxStorage();
  await s.put(entry("a", "1"));
  await s.put(entry("a", "1"));
  await s.put(entry("b", "1"));
  expect((await s.load()).length).toBe(2);
  await s.remove("a", "1");
  expect((await s.load()).map((e) => e.chatId)).toEqual(["b"]);
});
