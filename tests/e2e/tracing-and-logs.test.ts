import { Writable } from "node:stream";
import { InMemorySpanExporter, type ReadableSpan } from "@chat/observability";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { until } from "./support/until";
import type { WsClient } from "./support/ws-client";

// All-in-one with tracing on, spans in memory and every log line captured: one send must make
// one connected trace through gateway → ingest → Kafka publish → fanout → gateway, and the log
// must name that trace but never the body or the token.
const exporter = new InMemorySpanExporter();
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  },
});

let h: Harness;
const open: WsClient[] = [];
beforeAll(async () => {
  h = await startHarness({ CHAT_TRACING: "on", CHAT_LOG_LEVEL: "debug" }, undefined, { spanExporter: exporter, logDestination: capture });
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await h.stop();
});

async function poll<T>(get: () => T | undefined, what: string): Promise<T> {
  let v: T | undefined;
  await until(() => (v = get()) !== undefined, 10_000, what);
  return v!;
}

const serviceOf = (s: ReadableSpan) => s.instrumentationScope.name;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

test("one send yields one connected trace across gateway, ingest and fanout; the log names it but holds no body or token", async () => {
  const chatId = await h.createGroup("tina", ["tom"]);
  const tina = await h.connect("tina");
  const tom = await h.connect("tom");
  open.push(tina, tom);
  const token = await h.token("tina");
  const body = "secret-body-7f3c9a1e-do-not-log";

  exporter.reset();
  const ack = await tina.request({ sendMessage: { chatId, clientMessageId: "traced-1", body } });
  expect(ack.messageAck.seq).toBe("1");
  const [atTom] = await tom.messages(chatId, 1);
  expect(atTom.body).toBe(body);

  // Spans end asynchronously (the publish span ends after the outbox delete, possibly after the
  // delivery): wait for all of them rather than for a fixed time.
  const root = await poll(() => exporter.getFinishedSpans().find((s) => s.name === "gateway.send_message"), "the send span");
  const traceId = root.spanContext().traceId;
  const spans = await poll(() => {
    const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = new Set(inTrace.map((s) => s.name));
    return ["ingest.persist_message", "publish messages.persisted", "consume messages.persisted", "gateway.deliver"].every((n) => names.has(n)) ? inTrace : undefined;
  }, "every span of the send");

  const byName = (name: string) => spans.filter((s) => s.name === name);
  const one = (name: string) => {
    expect(byName(name)).toHaveLength(1);
    return byName(name)[0];
  };
  const send = one("gateway.send_message");
  const persist = one("ingest.persist_message");
  const publish = one("publish messages.persisted");
  const consume = one("consume messages.persisted");
  const deliver = one("gateway.deliver");
  const storeCalls = spans.filter((s) => s.name.startsWith("store."));

  // Parent links intact, hop by hop.
  expect(parentOf(send)).toBeUndefined();
  expect(parentOf(persist)).toBe(send.spanContext().spanId);
  expect(storeCalls.map((s) => s.name)).toEqual(expect.arrayContaining(["store.getMember", "store.allocateSeq", "store.commitMessage"]));
  for (const s of storeCalls) expect(parentOf(s)).toBe(persist.spanContext().spanId);
  expect(parentOf(publish)).toBe(persist.spanContext().spanId);
  expect(parentOf(consume)).toBe(publish.spanContext().spanId);
  expect(parentOf(deliver)).toBe(consume.spanContext().spanId);
  // Every span of the trace hangs off one that is in it: one tree, no orphans.
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans) if (s !== send) expect(ids.has(parentOf(s)!)).toBe(true);

  expect(spans.length).toBeGreaterThanOrEqual(5);
  expect(new Set(spans.map(serviceOf))).toEqual(new Set(["gateway", "ingest", "fanout"]));

  // The log: JSON lines with service and level, the send's trace and span ids; no body, no token.
  const log = logLines.join("\n");
  expect(log).not.toContain(body);
  expect(log).not.toContain(token);
  const traced = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.trace_id === traceId);
  expect(traced.length).toBeGreaterThan(0);
  expect(traced[0]).toMatchObject({ service: "ingest", level: 20, span_id: persist.spanContext().spanId, msg: "message persisted" });
});

test("a token or body handed to the logger by mistake is redacted", async () => {
  const before = logLines.length;
  h.app.logger.warn({ token: "tok-123", authorization: "Bearer tok-456", frame: { body: "body-789" }, body: "body-000" }, "mistake");
  const line = logLines.slice(before).join("\n");
  expect(line).toContain("mistake");
  for (const leaked of ["tok-123", "tok-456", "body-789", "body-000"]) expect(line).not.toContain(leaked);
});
