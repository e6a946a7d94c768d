import { EventEmitter } from "node:events";
import type { Message, TopicMessages } from "kafkajs";
import { SerialPublisher } from "../src/kafka/serial-publisher";

// The Kafka adapter's publisher (issue 10 item 13c): one produce request in flight, concurrent
// publications coalesced, a failure failing what queued behind it, requests bounded in bytes.
// The send function stands in for kafkajs' producer.sendBatch; the integration suites run the
// real one.

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
  const publisher = new SerialPublisher(async (batch) => {
    requests.push(batch);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const g = deferred();
    gates.push(g);
    await g.promise;
    inFlight--;
  });
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
  const publisher = new SerialPublisher(async () => {
    await gate.promise;
    if (fail) throw new Error("broker down");
  });
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
  const publisher = new SerialPublisher(async (batch) => {
    sizes.push(batch.flatMap((t) => t.messages).length);
  }, 1000);
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
  const publisher = new SerialPublisher(async () => {
    await gate.promise;
    // What KafkaEventLog does on a failed send: replace the producer, disconnecting it.
    disconnects++;
    socket.once("connect", () => {});
    throw new Error("Connection error: connect ECONNREFUSED");
  });
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
