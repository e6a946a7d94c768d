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
  tina.send({ requestId: "req-traced-1", sendMessage: { chatId, clientMessageId: "traced-1", body } });
  const ack = await tina.waitFor((f) => f.replyTo === "req-traced-1");
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
  // The group commit that stored the send (ADR 0029) hangs off its persist span, and the
  // store calls off the commit.
  const commit = one("ingest.group_commit");
  expect(parentOf(commit)).toBe(persist.spanContext().spanId);
  expect(storeCalls.map((s) => s.name)).toEqual(expect.arrayContaining(["store.appendMessages"]));
  for (const s of storeCalls) expect(parentOf(s)).toBe(commit.spanContext().spanId);
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
  expect(traced.find((l) => l.msg === "message persisted")).toMatchObject({ service: "ingest", level: 20, span_id: persist.spanContext().spanId });
  // The group commit's own line is in the trace too, under the commit's span.
  expect(traced.find((l) => l.msg === "group commit")).toMatchObject({ service: "ingest", level: 20, span_id: commit.spanContext().spanId });
  // The gateway's line inside the send span: trace and span ids, the connection and the frame's requestId.
  const connectionId = tina.frames.find((f) => f.hello)?.hello.connectionId;
  expect(connectionId).toMatch(/^conn_/);
  expect(traced.find((l) => l.service === "gateway")).toMatchObject({
    level: 20,
    msg: "message acknowledged",
    span_id: send.spanContext().spanId,
    connectionId,
    requestId: "req-traced-1",
    chatId,
    seq: "1",
  });
});

test("a token or body handed to the logger by mistake is redacted", async () => {
  const before = logLines.length;
  h.app.logger.warn({ token: "tok-123", authorization: "Bearer tok-456", frame: { body: "body-789" }, body: "body-000" }, "mistake");
  const line = logLines.slice(before).join("\n");
  expect(line).toContain("mistake");
  for (const leaked of ["tok-123", "tok-456", "body-789", "body-000"]) expect(line).not.toContain(leaked);
});

test("REST, Connect and gRPC calls run under a request id: the client's x-request-id is kept and echoed, else one is made; every line of the call carries it", async () => {
  const token = await h.token("rita");
  const logged = (requestId: string) => logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === requestId);

  // REST with the client's id: echoed, and the call's line carries it (with the user).
  const rest = await fetch(`${h.apiUrl}/api/v1/chats`, { headers: { authorization: `Bearer ${token}`, "x-request-id": "client-req-42" } });
  expect(rest.status).toBe(200);
  expect(rest.headers.get("x-request-id")).toBe("client-req-42");
  await until(() => logged("client-req-42").length > 0, 10_000, "the REST call's log line");
  expect(logged("client-req-42")[0]).toMatchObject({ service: "chatmgmt", msg: "api request", procedure: "ListMyChats", userId: "rita", code: "ok" });

  // A refused call (bad token) is logged under its id too, including the verifier's reason line.
  const refused = await fetch(`${h.apiUrl}/api/v1/chats`, { headers: { authorization: "Bearer not-a-token", "x-request-id": "client-req-43" } });
  expect(refused.status).toBe(401);
  expect(refused.headers.get("x-request-id")).toBe("client-req-43");
  await until(() => logged("client-req-43").some((l) => l.msg === "api request"), 10_000, "the refused call's log line");
  expect(logged("client-req-43").map((l) => l.msg)).toEqual(expect.arrayContaining(["access token refused", "api request"]));
  expect(logged("client-req-43").find((l) => l.msg === "api request")).toMatchObject({ code: "unauthenticated" });

  // Connect without an id (and with one that is not an id: log injection): a fresh one is made and echoed.
  for (const sent of [undefined, "bad id\nwith newline"]) {
    const res = await fetch(`${h.apiUrl}/messaging.v1.ChatMgmtService/ListMyChats`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(sent ? { "x-request-id": encodeURIComponent(sent) } : {}) },
      body: "{}",
    });
    expect(res.status).toBe(200);
    const made = res.headers.get("x-request-id")!;
    expect(made).toMatch(/^req_[0-9a-f-]{36}$/);
    await until(() => logged(made).length > 0, 10_000, "the Connect call's log line");
    expect(logged(made)[0]).toMatchObject({ service: "chatmgmt", procedure: "ListMyChats", code: "ok" });
  }

  // gRPC: the client's id comes back as a response header.
  const headers = new Headers();
  await (await h.grpc("rita")).listMyChats({}, { headers: { "x-request-id": "grpc-req-7" }, onHeader: (hs) => hs.forEach((v, k) => headers.set(k, v)) });
  expect(headers.get("x-request-id")).toBe("grpc-req-7");
  await until(() => logged("grpc-req-7").length > 0, 10_000, "the gRPC call's log line");

  expect(logLines.join("\n")).not.toContain(token);
});
