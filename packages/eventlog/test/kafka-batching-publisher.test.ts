import { EventEmitter } from "node:events";
import type { Message, TopicMessages } from "kafkajs";
import { BatchingPublisher, type BatchingOptions } from "../src/kafka/batching-publisher";

// The Kafka adapter's publisher (issue 7, issue 10 item 13c): a linger that gathers many
// publications into one request, one request in flight, a failure failing what queued behind
// it, requests bounded in records and bytes. The send function stands in for kafkajs'
// producer.sendBatch; the integration suites run the real one. Time is a fake clock where the
// linger matters, so nothing depends on the machine's speed.

// No linger: the behaviour before micro-batching (coalescing only while a request is in flight).
const NO_LINGER: BatchingOptions = { lingerMs: 0, maxBatchRecords: 1000, maxBatchBytes: 512 * 1024 };

const msg = (key: string, bytes = 10): Message => ({ key, value: Buffer.alloc(bytes), partition: 0 });

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test("concurrent publications share requests, one in flight at a time, in call order", async () => {
  const requests: TopicMessages[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gates: Array<ReturnType<typeof deferred>> = [];
  const publisher = new BatchingPublisher(async (batch) => {
    requests.push(batch);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const g = deferred();
    gates.push(g);
    await g.promise;
    inFlight--;
  }, NO_LINGER);
  const calls = Array.from({ length: 50 }, (_, i) => publisher.publish(i % 2 ? "t1" : "t2", [msg(`k${i}`)]));
  // The first call went out alone; the other 49 wait and go together.
  await new Promise((r) => setImmediate(r));
  expect(requests).toHaveLength(1);
  gates[0].resolve();
  await new Promise((r) => setImmediate(r));
  expect(requests).toHaveLength(2);
  gates[1].resolve();
  await Promise.all(calls);
  expect(maxInFlight).toBe(1);
  const keys = requests[1].flatMap((t) => t.messages.map((m) => [t.topic, m.key]));
  expect(keys.filter(([t]) => t === "t1").map(([, k]) => k)).toEqual(Array.from({ length: 25 }, (_, i) => `k${2 * i + 1}`));
  expect(keys).toHaveLength(49);
});

test("a failed request fails the publications queued behind it, and the next one starts fresh", async () => {
  let fail = true;
  const gate = deferred();
  const publisher = new BatchingPublisher(async () => {
    await gate.promise;
    if (fail) throw new Error("broker down");
  }, NO_LINGER);
  const first = publisher.publish("t", [msg("a")]);
  const queued = publisher.publish("t", [msg("a")]);
  gate.resolve();
  await expect(first).rejects.toThrow("broker down");
  await expect(queued).rejects.toThrow("broker down");
  fail = false;
  await expect(publisher.publish("t", [msg("a")])).resolves.toBeUndefined();
});

test("a request carries at most maxBatchBytes; a bigger publication is split in order", async () => {
  const sizes: number[] = [];
  const publisher = new BatchingPublisher(async (batch) => {
    sizes.push(batch.flatMap((t) => t.messages).length);
  }, { ...NO_LINGER, maxBatchBytes: 1000 });
  await publisher.publish("t", Array.from({ length: 20 }, (_, i) => msg(`k${i}`, 200)));
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
});

// The warning of the Kafka-stop campaign: every failed send replaced and disconnected the
// producer, and each disconnect of a producer whose socket is still connecting adds a
// 'connect' listener to that socket. With 30 chats publishing at once that passed Node's limit
// of 10. Through the publisher, 30 concurrent publications during an outage make one request,
// hence one failure and one disconnect.
test("30 concurrent publications during an outage cause one failure, and no MaxListenersExceededWarning", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on("warning", onWarning);
  const socket = new EventEmitter(); // the producer's connecting socket
  let disconnects = 0;
  const gate = deferred();
  const publisher = new BatchingPublisher(async () => {
    await gate.promise;
    // What KafkaEventLog does on a failed send: replace the producer, disconnecting it.
    disconnects++;
    socket.once("connect", () => {});
    throw new Error("Connection error: connect ECONNREFUSED");
  }, NO_LINGER);
  try {
    const calls = Array.from({ length: 30 }, (_, i) => publisher.publish("messages.persisted", [msg(`chat-${i}`)]).catch(() => "failed"));
    gate.resolve();
    expect(new Set(await Promise.all(calls))).toEqual(new Set(["failed"]));
    await new Promise((r) => setImmediate(r));
    expect(disconnects).toBeLessThanOrEqual(2);
    expect(socket.listenerCount("connect")).toBeLessThanOrEqual(2);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  } finally {
    process.off("warning", onWarning);
  }
});

// In ESM mode jest's object is not a global.
const jestApi = (import.meta as unknown as { jest: typeof jest }).jest;

describe("linger", () => {
  beforeEach(() => jestApi.useFakeTimers());
  afterEach(() => jestApi.useRealTimers());

  const options: BatchingOptions = { lingerMs: 10, maxBatchRecords: 100, maxBatchBytes: 512 * 1024 };

  function recording() {
    const requests: Array<Array<[string, string]>> = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const send = async (batch: TopicMessages[]) => {
      requests.push(batch.flatMap((t) => t.messages.map((m) => [t.topic, String(m.key)] as [string, string])));
      const g = deferred();
      gates.push(g);
      await g.promise;
    };
    return { requests, gates, send };
  }

  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  test("publications within the linger share one request; callers resolve when it is acknowledged", async () => {
    const { requests, gates, send } = recording();
    const publisher = new BatchingPublisher(send, options, () => Date.now());
    let resolved = 0;
    const calls = Array.from({ length: 30 }, (_, i) => publisher.publish(i % 3 ? "a" : "b", [msg(`k${i % 4}`)]).then(() => resolved++));
    jestApi.advanceTimersByTime(9);
    expect(requests).toHaveLength(0);
    jestApi.advanceTimersByTime(1);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toHaveLength(30);
    // Each topic's records (hence each key's) in publish order within the request.
    for (const topic of ["a", "b"]) {
      const published = Array.from({ length: 30 }, (_, i) => i).filter((i) => (i % 3 ? "a" : "b") === topic).map((i) => `k${i % 4}`);
      expect(requests[0].filter(([t]) => t === topic).map(([, k]) => k)).toEqual(published);
    }
    await settle();
    expect(resolved).toBe(0);
    gates[0].resolve();
    await Promise.all(calls);
    expect(resolved).toBe(30);
  });

  test("a full batch goes out without waiting for the linger; the rest waits", async () => {
    const { requests, gates, send } = recording();
    const publisher = new BatchingPublisher(send, { ...options, maxBatchRecords: 10 }, () => Date.now());
    const calls = Array.from({ length: 15 }, (_, i) => publisher.publish("t", [msg(`k${i}`)]));
    expect(requests.map((r) => r.length)).toEqual([10]);
    gates[0].resolve();
    await settle();
    // The 5 left over have not waited their linger yet.
    expect(requests).toHaveLength(1);
    jestApi.advanceTimersByTime(10);
    expect(requests.map((r) => r.length)).toEqual([10, 5]);
    expect(requests.flat().map(([, k]) => k)).toEqual(Array.from({ length: 15 }, (_, i) => `k${i}`));
    gates[1].resolve();
    await Promise.all(calls);
  });

  test("what queued during a request goes out right after it when it has lingered long enough", async () => {
    const { requests, gates, send } = recording();
    const publisher = new BatchingPublisher(send, options, () => Date.now());
    const first = publisher.publish("t", [msg("a")]);
    jestApi.advanceTimersByTime(10);
    expect(requests).toHaveLength(1);
    const second = publisher.publish("t", [msg("b")]);
    jestApi.advanceTimersByTime(50); // a slow request: "b" waited past its linger
    gates[0].resolve();
    await first;
    await settle();
    expect(requests.map((r) => r.map(([, k]) => k))).toEqual([["a"], ["b"]]);
    gates[1].resolve();
    await second;
  });

  test("a failed request fails every caller in it and every one queued behind it, in one go", async () => {
    const { requests, gates, send } = recording();
    const publisher = new BatchingPublisher(send, options, () => Date.now());
    const inFirst = [publisher.publish("t", [msg("a")]), publisher.publish("t", [msg("b")])].map((p) => p.then(() => "ok", (e: Error) => e.message));
    jestApi.advanceTimersByTime(10);
    const behind = publisher.publish("t", [msg("c")]).then(() => "ok", (e: Error) => e.message);
    gates[0].reject(new Error("NOT_LEADER_FOR_PARTITION"));
    expect(await Promise.all([...inFirst, behind])).toEqual(["NOT_LEADER_FOR_PARTITION", "NOT_LEADER_FOR_PARTITION", "NOT_LEADER_FOR_PARTITION"]);
    // "c" was never sent: it would have overtaken the failed "a" and "b" of the same key.
    expect(requests).toHaveLength(1);
    const later = publisher.publish("t", [msg("d")]);
    jestApi.advanceTimersByTime(10);
    expect(requests.map((r) => r.map(([, k]) => k))).toEqual([["a", "b"], ["d"]]);
    gates[1].resolve();
    await later;
  });

  test("flush() sends what lingers at once and resolves when it is acknowledged", async () => {
    const { requests, gates, send } = recording();
    const publisher = new BatchingPublisher(send, { ...options, lingerMs: 60_000 }, () => Date.now());
    const call = publisher.publish("t", [msg("a")]);
    let flushed = false;
    const flush = publisher.flush().then(() => (flushed = true));
    expect(requests).toHaveLength(1);
    await settle();
    expect(flushed).toBe(false);
    gates[0].resolve();
    await Promise.all([call, flush]);
    await expect(publisher.flush()).resolves.toBeUndefined();
  });

  test.each([
    [{ lingerMs: -1 }, "lingerMs"],
    [{ lingerMs: 1.5 }, "lingerMs"],
    [{ maxBatchRecords: 0 }, "maxBatchRecords"],
    [{ maxBatchBytes: Number.NaN }, "maxBatchBytes"],
  ])("bad options %j are refused", (bad, field) => {
    expect(() => new BatchingPublisher(async () => {}, { ...options, ...bad })).toThrow(new RegExp(field));
  });
});
