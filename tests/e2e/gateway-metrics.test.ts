import { startHarness, type Harness } from "./support/all-in-one-harness";
import { until } from "./support/until";
import type { WsClient } from "./support/ws-client";

// Issue 9 point 4: the gateway's message counters and the send→delivery latency histogram,
// observed through a real WebSocket send, fanout and a real Deliver push, read from /metrics.

let h: Harness;
const open: WsClient[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await h?.stop();
});

async function scrape(): Promise<string> {
  const r = await fetch(h.wsUrl.replace(/^ws:/, "http:").replace(/\/ws\/v1$/, "/metrics"));
  expect(r.status).toBe(200);
  return r.text();
}

// The value of the one series whose name and labels match (labels in any order, plus `service`).
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(" ").pop()) : NaN;
}

test("a send counts in gateway_messages_received_total and its push in gateway_delivery_latency_seconds", async () => {
  const chatId = await h.createGroup("alice", ["bob"]);
  const alice = await h.connect("alice");
  const bob = await h.connect("bob");
  open.push(alice, bob);
  expect(value(await scrape(), "gateway_messages_received_total")).toBe(0);
  const ack = await alice.request({ sendMessage: { chatId, clientMessageId: "metrics-1", body: "hi" } });
  expect(ack.messageAck).toBeDefined();
  await bob.messages(chatId, 1);
  // The push is observed when Deliver queues it: by the time bob has it, it is counted, but
  // poll anyway rather than rely on that ordering.
  await until(async () => value(await scrape(), "gateway_delivery_latency_seconds_count") >= 1, 10_000, "the latency observation");
  const text = await scrape();
  expect(value(text, "gateway_messages_received_total")).toBe(1);
  expect(value(text, "gateway_frames_total", { kind: "sendMessage", outcome: "ok" })).toBe(1);
  // Seconds at most even on a busy machine: the message was created moments ago.
  expect(value(text, "gateway_delivery_latency_seconds_sum")).toBeLessThan(30);
  expect(value(text, "gateway_delivery_latency_seconds_bucket", { le: "+Inf" })).toBeGreaterThanOrEqual(1);
  // Pre-bound children are exported at 0 before any traffic of their kind.
  expect(value(text, "gateway_rate_limited_total", { kind: "sendMessage" })).toBe(0);
});
