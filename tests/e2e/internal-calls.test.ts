import { create } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";
import { DeliverRequestSchema, DeliverResponseSchema, GatewayDeliveryService, IngestService, PersistMessageRequestSchema, PersistMessageResponseSchema, PersistMessagesRequestSchema, MessageSchema, type PersistMessageRequest } from "@chat/proto";
import { CallNotAnswered, connectRoutes, GrpcRpcHost, InProcessRpcHost, type CallOptions, type IngestApi, type RpcHost, type ServedRpc } from "@chat/rpc";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { ingestStub } from "./support/ingest-stub";
import { until } from "./support/until";

// The internal ports (ADR 0030) behave the same whether the call crosses gRPC (distributed) or
// is a direct function call (all-in-one): same answers, same errors and codes, same deadline
// and trace context at the callee. Each case runs through both hosts and the outcomes are
// compared with each other and with what the gateway and fanout rely on.

const SECRET = "internal-calls-secret-0123456789";
const TRACE = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "vendor=x" };
const request = () => create(PersistMessageRequestSchema, { chatId: "c1", senderId: "alice", clientMessageId: "m1", body: "hi", contentType: "text/plain" });

interface Outcome {
  ok?: unknown;
  error?: { kind: string; code: string; reason?: string; message: string; retryAfterMs?: number; details: Record<string, unknown> };
}

function outcomeOf(p: Promise<unknown>): Promise<Outcome> {
  return p.then(
    (ok) => ({ ok }),
    (e: unknown) => {
      if (!(e instanceof ChatError)) return { error: { kind: "not a ChatError", code: String(e), message: "", details: {} } };
      return {
        error: {
          kind: e instanceof CallNotAnswered ? "CallNotAnswered" : "ChatError",
          code: e.code,
          reason: e instanceof CallNotAnswered ? e.reason : undefined,
          // Transport wording differs (gRPC: "the operation timed out"); the callee's own does not.
          message: e instanceof CallNotAnswered ? "" : e.message,
          retryAfterMs: e.retryAfterMs,
          details: e.details,
        },
      };
    },
  );
}

const hosts: Array<[string, () => RpcHost]> = [
  ["gRPC", () => new GrpcRpcHost("127.0.0.1", SECRET)],
  ["in-process", () => new InProcessRpcHost(SECRET)],
];

// Serves `impl` as ingest on a fresh host of each kind and calls it through the port.
async function callBoth(impl: IngestApi["persistMessage"], opts: () => CallOptions, req = request): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  for (const [name, make] of hosts) {
    const host = make();
    const served = await host.serveApi("ingest", IngestService, ingestStub(impl), { port: 0, internal: true });
    try {
      const res = await outcomeOf(host.api(IngestService, served.address).persistMessage(req(), opts()));
      out[name] = res.ok ? { ok: { duplicate: (res.ok as { duplicate: boolean }).duplicate, seq: String((res.ok as { message?: { seq: bigint } }).message?.seq) } } : res;
    } finally {
      await served.close();
    }
  }
  return out;
}

const answer = () => create(PersistMessageResponseSchema, { message: create(MessageSchema, { chatId: "c1", seq: 7n }), duplicate: true });

describe("the same outcome over gRPC and in-process", () => {
  test("an answer", async () => {
    const r = await callBoth(async () => answer(), () => ({ deadlineAtMs: Date.now() + 5000 }));
    expect(r["in-process"]).toEqual({ ok: { duplicate: true, seq: "7" } });
    expect(r["in-process"]).toEqual(r.gRPC);
  });

  test("the callee's ChatError arrives with its code, message, retry-after and details (ingest_overloaded relies on them)", async () => {
    const r = await callBoth(
      async () => {
        throw new ChatError("unavailable", "ingest is overloaded: test", { retryAfterMs: 777, details: { reason: "overloaded" } });
      },
      () => ({ deadlineAtMs: Date.now() + 5000 }),
    );
    expect(r["in-process"]).toEqual({ error: { kind: "ChatError", code: "unavailable", message: "ingest is overloaded: test", retryAfterMs: 777, details: { reason: "overloaded" } } });
    expect(r["in-process"]).toEqual(r.gRPC);
  });

  test("a validation error of the callee stays invalid_argument", async () => {
    const r = await callBoth(
      async () => {
        throw new ChatError("invalid_argument", "sender_id is required", { details: { field: "sender_id" } });
      },
      () => ({ deadlineAtMs: Date.now() + 5000 }),
    );
    expect(r["in-process"]).toMatchObject({ error: { kind: "ChatError", code: "invalid_argument", details: { field: "sender_id" } } });
    expect(r["in-process"]).toEqual(r.gRPC);
  });

  test("a callee that throws before returning a promise is answered like one that rejects", async () => {
    const started = Date.now();
    const r = await callBoth(
      () => {
        throw new ChatError("invalid_argument", "thrown synchronously");
      },
      () => ({ deadlineAtMs: Date.now() + 5000 }),
    );
    expect(r["in-process"]).toMatchObject({ error: { kind: "ChatError", code: "invalid_argument", message: "thrown synchronously" } });
    expect(r["in-process"]).toEqual(r.gRPC);
    // Answered at once, not when the deadline's timer fires.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test("a crash in the callee (not a ChatError) is not an answer: failed, internal", async () => {
    const r = await callBoth(
      async () => {
        throw new TypeError("boom");
      },
      () => ({ deadlineAtMs: Date.now() + 5000 }),
    );
    expect(r["in-process"]).toEqual({ error: { kind: "CallNotAnswered", code: "internal", reason: "failed", message: "", details: {} } });
    expect(r["in-process"]).toEqual(r.gRPC);
  });

  test("a callee slower than the deadline: the caller stops waiting at the deadline with timeout", async () => {
    const started = Date.now();
    const r = await callBoth(() => new Promise(() => undefined), () => ({ deadlineAtMs: Date.now() + 200 }));
    expect(r["in-process"]).toEqual({ error: { kind: "CallNotAnswered", code: "deadline_exceeded", reason: "timeout", message: "", details: {} } });
    expect(r["in-process"]).toEqual(r.gRPC);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 190);
  });

  test("a deadline already past: timeout, and the callee never runs", async () => {
    let ran = 0;
    const r = await callBoth(
      async () => {
        ran++;
        return answer();
      },
      () => ({ deadlineAtMs: Date.now() - 1 }),
    );
    expect(r["in-process"]).toMatchObject({ error: { kind: "CallNotAnswered", reason: "timeout", code: "deadline_exceeded" } });
    expect(r["in-process"]).toEqual(r.gRPC);
    expect(ran).toBe(0);
  });

  test("the callee sees the caller's deadline and trace context", async () => {
    const seen: Record<string, { deadlineInMs?: number; trace?: Record<string, string> }> = {};
    for (const [name, make] of hosts) {
      const host = make();
      const served = await host.serveApi("ingest", IngestService, ingestStub(async (_req, opts) => {
          seen[name] = { deadlineInMs: opts.deadlineAtMs === undefined ? undefined : opts.deadlineAtMs - Date.now(), trace: opts.trace };
          return answer();
        }), { port: 0, internal: true });
      await host.api(IngestService, served.address).persistMessage(request(), { deadlineAtMs: Date.now() + 3000, trace: TRACE });
      await served.close();
    }
    for (const name of ["gRPC", "in-process"]) {
      expect(seen[name].trace).toEqual(TRACE);
      // Within the 3 s the caller gave (less what the call itself took).
      expect(seen[name].deadlineInMs).toBeGreaterThan(1000);
      expect(seen[name].deadlineInMs).toBeLessThanOrEqual(3000);
    }
  });

  test("nothing serving the address: unreachable", async () => {
    const grpc = new GrpcRpcHost("127.0.0.1", SECRET);
    const served = await grpc.serveApi("ingest", IngestService, ingestStub(async () => answer()), { port: 0, internal: true });
    await served.close();
    const inproc = new InProcessRpcHost(SECRET);
    const gone = await inproc.serveApi("ingest", IngestService, ingestStub(async () => answer()), { port: 0, internal: true });
    const port = inproc.api(IngestService, gone.address);
    await gone.close();
    const viaGrpc = await outcomeOf(grpc.api(IngestService, served.address).persistMessage(request(), { deadlineAtMs: Date.now() + 5000 }));
    const viaInproc = await outcomeOf(port.persistMessage(request(), { deadlineAtMs: Date.now() + 5000 }));
    expect(viaInproc).toMatchObject({ error: { kind: "CallNotAnswered", reason: "unreachable", code: "unavailable" } });
    expect(viaInproc).toEqual(viaGrpc);
  });

  test("Deliver: the same answer and the same refusal of a frame without a kind", async () => {
    const out: Record<string, Outcome[]> = {};
    for (const [name, make] of hosts) {
      const host = make();
      const served = await host.serveApi("gateway-x", GatewayDeliveryService, {
        deliver: async (req) => {
          req.deliveries.forEach((d, i) => {
            if (!d.frame?.kind.case) throw new ChatError("invalid_argument", `deliveries[${i}].frame has no kind`);
          });
          return create(DeliverResponseSchema, { delivered: req.deliveries.reduce((n, d) => n + d.connectionIds.length, 0) });
        },
      }, { port: 0, internal: true });
      const api = host.api(GatewayDeliveryService, served.address);
      const good = create(DeliverRequestSchema, { deliveries: [{ connectionIds: ["a", "b"], frame: { kind: { case: "pong", value: {} } } }] });
      const bad = create(DeliverRequestSchema, { deliveries: [{ connectionIds: ["a"], frame: {} }] });
      out[name] = [
        await outcomeOf(api.deliver(good, { deadlineAtMs: Date.now() + 5000 }).then((r) => r.delivered)),
        await outcomeOf(api.deliver(bad, { deadlineAtMs: Date.now() + 5000 })),
      ];
      await served.close();
    }
    expect(out["in-process"][0]).toEqual({ ok: 2 });
    expect(out["in-process"][1]).toMatchObject({ error: { kind: "ChatError", code: "invalid_argument" } });
    expect(out["in-process"]).toEqual(out.gRPC);
  });
});

describe("in-process calls pass the messages themselves", () => {
  test("the callee receives the caller's request object and the caller the callee's response object: nothing encoded or copied", async () => {
    const host = new InProcessRpcHost(SECRET);
    const res = answer();
    let got: PersistMessageRequest | undefined;
    const served: ServedRpc = await host.serveApi("ingest", IngestService, ingestStub(async (req) => {
        got = req;
        return res;
      }), { port: 0, internal: true });
    const req = request();
    const back = await host.api(IngestService, served.address).persistMessage(req, { deadlineAtMs: Date.now() + 5000 });
    expect(got).toBe(req);
    expect(back).toBe(res);
    await served.close();
  });
});

// What the Connect stack allocates per call (a deadline AbortController linked to the caller's,
// request and response Headers, the DOMException of an abort) does not happen on the all-in-one's
// message path any more: counted on the globals while messages are sent and delivered.
describe("all-in-one: the message path allocates no AbortController and no Headers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  test("20 sends, acked and delivered", async () => {
    const chatId = await h.createGroup("ann", ["ben"]);
    const ann = await h.connect("ann");
    const ben = await h.connect("ben");
    // Warm-up: connections, caches and lazily built clients exist before counting.
    await ann.request({ sendMessage: { chatId, clientMessageId: "warm", body: "w" } }, 15_000);
    await ben.messages(chatId, 1, 15_000);

    const counts = { abortControllers: 0, headers: 0 };
    const RealAbortController = globalThis.AbortController;
    const RealHeaders = globalThis.Headers;
    globalThis.AbortController = class extends RealAbortController {
      constructor() {
        super();
        counts.abortControllers++;
      }
    };
    globalThis.Headers = class extends RealHeaders {
      constructor(init?: ConstructorParameters<typeof Headers>[0]) {
        super(init);
        counts.headers++;
      }
    };
    try {
      for (let i = 0; i < 20; i++) {
        // As a real client: a refusal with a retry-after (rate limit, overload) is waited out
        // and the same clientMessageId sent again.
        for (;;) {
          const res = await ann.request({ sendMessage: { chatId, clientMessageId: `m${i}`, body: `hello ${i}` } }, 15_000);
          if (res.messageAck) break;
          expect(res.error?.retryAfterMs).toBeGreaterThan(0);
          await new Promise((r) => setTimeout(r, res.error.retryAfterMs));
        }
      }
      await until(() => ben.frames.filter((f) => f.message?.chatId === chatId).length >= 21, 15_000, "20 deliveries");
    } finally {
      globalThis.AbortController = RealAbortController;
      globalThis.Headers = RealHeaders;
    }
    expect(counts).toEqual({ abortControllers: 0, headers: 0 });
    await ann.close();
    await ben.close();
  });
});

describe("gRPC between services", () => {
  test("calls ask for no compression, so a large answer is not gzipped by the callee and gunzipped by the caller", async () => {
    const host = new GrpcRpcHost("127.0.0.1", SECRET);
    const asked: Array<string | null> = [];
    const served = await host.serve("ingest", connectRoutes(IngestService, ingestStub(async () => answer())), {
      port: 0,
      internal: true,
      interceptors: [(next) => async (req) => (asked.push(req.header.get("grpc-accept-encoding")), next(req))],
    });
    try {
      // 50 answers: well over connect-node's 1 KiB compression threshold.
      const res = await host.api(IngestService, served.address).persistMessages(create(PersistMessagesRequestSchema, { sends: Array.from({ length: 50 }, () => request()) }), { deadlineAtMs: Date.now() + 5000 });
      expect(res.results).toHaveLength(50);
      expect(asked).toEqual([null]);
    } finally {
      await served.close();
    }
  });
});
