import { isTraceparent, spanIdOf, traceIdOf } from "@chat/domain";
import { context, propagation, trace } from "@opentelemetry/api";
import { contextFromHeaders, inSpan, InMemorySpanExporter, startSpan, startTracing, spanContext, traceHeaders, tracedPort, type Tracing } from "../src/index";

const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("tracing off (the all-in-one default)", () => {
  test("no ids are made and nothing is propagated", async () => {
    const tracing = startTracing({ serviceName: "test", enabled: false });
    await inSpan("gateway", "x", {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(traceHeaders()).toEqual({});
    });
    await tracing.shutdown();
  });
});

describe("tracing on", () => {
  // A fresh exporter per test: shutting the provider down shuts its exporter down too.
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing({ serviceName: "ingest", enabled: true, exporter });
  });
  afterEach(() => tracing.shutdown());

  test("a child of an incoming traceparent keeps its trace id, gets a new span id and propagates a valid traceparent", async () => {
    await inSpan("ingest", "child", { parent: contextFromHeaders({ traceparent: parent }) }, async () => {
      const { traceparent } = traceHeaders();
      expect(isTraceparent(traceparent)).toBe(true);
      expect(traceIdOf(traceparent)).toBe(traceIdOf(parent));
      expect(spanIdOf(traceparent)).not.toBe(spanIdOf(parent));
    });
    const [span] = exporter.getFinishedSpans();
    expect(span.parentSpanContext?.spanId).toBe(spanIdOf(parent));
    // The backend groups spans by the process's service name.
    expect(span.resource.attributes["service.name"]).toBe("ingest");
  });

  test.each([undefined, "", "garbage", "00-00000000000000000000000000000000-b7ad6b7169203331-01"])("an invalid parent %p starts a new trace", async (bad) => {
    const span = startSpan("fanout", "consume", { parent: contextFromHeaders({ traceparent: bad }) });
    const { traceparent } = traceHeaders(spanContext(span));
    span.end();
    expect(isTraceparent(traceparent)).toBe(true);
    expect(traceIdOf(traceparent)).not.toBe("0".repeat(32));
    expect(exporter.getFinishedSpans()[0].parentSpanContext).toBeUndefined();
  });

  test("headers are read from a fetch Headers object too", () => {
    const span = startSpan("ingest", "s", { parent: contextFromHeaders(new Headers({ traceparent: parent })) });
    span.end();
    expect(span.spanContext().traceId).toBe(traceIdOf(parent));
  });

  test("a traced port makes child spans only inside a trace", async () => {
    const port = tracedPort("ingest", "store", { get: async (k: string) => `v-${k}` });
    expect(await port.get("outside")).toBe("v-outside");
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await inSpan("ingest", "root", {}, async () => expect(await port.get("inside")).toBe("v-inside"));
    const [child, root] = exporter.getFinishedSpans();
    expect(child.name).toBe("store.get");
    expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  });

  test("an error marks the span and is rethrown", async () => {
    await expect(inSpan("gateway", "boom", {}, async () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(exporter.getFinishedSpans()[0].status.code).toBe(2);
  });
});

describe("tracing off costs no OpenTelemetry call per use", () => {
  test("inSpan, startSpan, spanContext and the header helpers do not reach the API", async () => {
    const tracing = startTracing({ serviceName: "test", enabled: false });
    // Counts the calls the helpers make into the global API.
    const calls: string[] = [];
    const apis = [
      [trace, "getTracer"],
      [context, "active"],
      [propagation, "inject"],
      [propagation, "extract"],
    ] as const;
    for (const [api, name] of apis) {
      const original = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name].bind(api);
      (api as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => (calls.push(name), original(...a));
    }
    try {
      const span = startSpan("fanout", "consume", { parent: contextFromHeaders({ traceparent: parent }) });
      expect(traceHeaders(spanContext(span))).toEqual({});
      await expect(inSpan("ingest", "x", {}, async (s) => s.isRecording())).resolves.toBe(false);
      await expect(inSpan("ingest", "x", {}, () => Promise.reject(new Error("no")))).rejects.toThrow("no");
      await expect(inSpan("ingest", "x", {}, () => { throw new Error("sync"); })).rejects.toThrow("sync");
      span.end();
      expect(calls).toEqual([]);
    } finally {
      for (const [api, name] of apis) delete (api as unknown as Record<string, unknown>)[name];
      await tracing.shutdown();
    }
  });
});
