import { loadConfig } from "@chat/config";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { startIngest, type RunningIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry } from "@chat/observability";
import { ChatError } from "@chat/domain";
import { IngestService } from "@chat/proto";
import { GrpcRpcHost, InProcessRpcHost, type RpcHost, type ServedRpc } from "@chat/rpc";
import { ingestStub } from "./support/ingest-stub";
import { SECRET, startGatewayHarness, type GatewayHarness } from "./support/gateway-harness";
import { until } from "./support/until";
import { freePort } from "../support/free-port";
import type { WsClient } from "./support/ws-client";

// The gateway towards ingest (ADR-009, issue 10 item 12): the deadline, the circuit breaker with
// /ready and its gauge, what an `unavailable` says, and one warning per health change. Each
// case runs with ingest over gRPC (distributed) and called directly (all-in-one, ADR 0029).
const HOSTS: Array<[string, () => RpcHost]> = [
  ["over gRPC", () => new GrpcRpcHost("127.0.0.1", SECRET)],
  ["in-process", () => new InProcessRpcHost(SECRET)],
];

// A send as a client makes it: rate_limited answers are waited out (retryAfterMs) and resent.
async function send(c: WsClient, clientMessageId: string, chatId: string): Promise<Record<string, any>> {
  for (;;) {
    const res = await c.request({ sendMessage: { chatId, clientMessageId, body: "hello" } }, 15_000);
    if (res.error?.code !== "rate_limited") return res;
    await new Promise((r) => setTimeout(r, res.error.retryAfterMs));
  }
}

describe.each(HOSTS)("ingest stalled, %s", (_kind, makeHost) => {
  let h: GatewayHarness;
  let stub: ServedRpc;
  let arrivals: number[] = [];
  const hung: Array<() => void> = [];
  beforeAll(async () => {
    // An ingest that accepts the call and never answers (SIGSTOP-like, as far as the gateway sees).
    const rpc = makeHost();
    stub = await rpc.serveApi(
      "stalled-ingest",
      IngestService,
      // Never answers; gives up only when the test ends.
      ingestStub(
        () =>
          new Promise((_resolve, reject) => {
            arrivals.push(Date.now());
            hung.push(() => reject(new Error("test over")));
          }),
      ),
      { port: 0, internal: true },
    );
    h = await startGatewayHarness({ rpc, ingestAddress: stub.address, overrides: { CHAT_INGEST_DEADLINE_MS: "300", CHAT_MAX_IN_FLIGHT_PER_CONNECTION: "2" } });
  });
  afterAll(async () => {
    hung.forEach((f) => f());
    await h.stop();
    await stub.close();
  });

  test("a send past the ingest deadline is unavailable, saying it timed out, with a retry-after", async () => {
    const chatId = await h.createGroup(["alice", "bob"]);
    const alice = await h.connect("alice");
    const started = Date.now();
    const res = await send(alice, "slow-1", chatId);
    expect(res.error).toMatchObject({ code: "unavailable", frame: "send_message", cause: "ingest_timeout", chatId, clientMessageId: "slow-1" });
    expect(res.error.message).toMatch(/did not answer within 300 ms/);
    expect(res.error.retryAfterMs).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await alice.close();
  });

  test("requests in flight per connection are bounded: a pipelining client cannot pile calls onto a stalled ingest", async () => {
    const chatId = await h.createGroup(["carol", "bob"]);
    const carol = await h.connect("carol");
    arrivals = [];
    // Fired at once, no retries: only what the gateway lets through reaches the stalled ingest.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => carol.request({ sendMessage: { chatId, clientMessageId: `pipelined-${i}`, body: "x" } }, 15_000)));
    // Every frame is answered. Before the first deadline (300 ms) frees a slot, at most twice the
    // bound (2) reached ingest: the rest waited unread in the socket, or were refused.
    expect(answers.every((a) => a.error)).toBe(true);
    const early = arrivals.filter((t) => t - arrivals[0] < 250);
    expect(early.length).toBeGreaterThanOrEqual(1);
    expect(early.length).toBeLessThanOrEqual(4);
    await carol.close();
  });
});

describe.each(HOSTS)("ingest overloaded, %s", (_kind, makeHost) => {
  let h: GatewayHarness;
  let stub: ServedRpc;
  beforeAll(async () => {
    // An ingest that is alive and sheds every send, as its bounded lanes do under overload.
    const rpc = makeHost();
    stub = await rpc.serveApi(
      "overloaded-ingest",
      IngestService,
      ingestStub(async () => {
        throw new ChatError("unavailable", "ingest is overloaded: test", { retryAfterMs: 777, details: { reason: "overloaded" } });
      }),
      { port: 0, internal: true },
    );
    h = await startGatewayHarness({ rpc, ingestAddress: stub.address });
  });
  afterAll(async () => {
    await h.stop();
    await stub.close();
  });

  test("shedding is passed through with ingest's retry-after and does not open the breaker for everyone", async () => {
    const chatId = await h.createGroup(["fred", "gina"]);
    const fred = await h.connect("fred");
    for (let i = 0; i < 8; i++) {
      const res = await send(fred, `o-${i}`, chatId);
      expect(res.error).toMatchObject({ code: "unavailable", cause: "ingest_overloaded", retryAfterMs: 777 });
    }
    const ready = await fetch(`${h.httpUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(h.warnings.filter((w) => w.dependency === "ingest")).toHaveLength(0);
    await fred.close();
  });
});

describe.each(HOSTS)("ingest unreachable, then back, %s", (kind, makeHost) => {
  let h: GatewayHarness;
  let ingest: RunningIngest | undefined;
  let port: number;
  let rpc: RpcHost;
  beforeAll(async () => {
    port = await freePort();
    rpc = makeHost();
    // In-process, "unreachable" is an address nothing serves yet (ingest starts later below).
    h = await startGatewayHarness({ rpc, ingestAddress: kind === "in-process" ? "inproc://ingest" : `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await h.stop();
    await ingest?.stop();
  });

  const ready = async () => {
    const res = await fetch(`${h.httpUrl}/ready`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };
  const gauge = async () => {
    const text = await (await fetch(`${h.httpUrl}/metrics`)).text();
    return Number(/^gateway_ingest_health(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1]);
  };

  test("refused connections → unreachable; then the breaker opens (/ready 503, gauge 2) and closes again once ingest is back", async () => {
    const chatId = await h.createGroup(["dora", "eve"]);
    const dora = await h.connect("dora");
    expect(await ready()).toMatchObject({ status: 200, body: { checks: { ingest: "green" } } });
    expect(await gauge()).toBe(0);

    const first = await send(dora, "m-1", chatId);
    expect(first.error).toMatchObject({ code: "unavailable", cause: "ingest_unreachable" });
    expect(first.error.message).toMatch(/unreachable/);
    // Five failures open the circuit; the next sends fail fast and say so.
    for (let i = 0; i < 6; i++) await send(dora, "m-1", chatId);
    const fast = await send(dora, "m-1", chatId);
    expect(fast.error).toMatchObject({ code: "unavailable", cause: "ingest_breaker_open" });
    expect(fast.error.retryAfterMs).toBeGreaterThan(0);
    expect(await ready()).toMatchObject({ status: 503, body: { checks: { ingest: "red" } } });
    expect(await gauge()).toBe(2);
    // Eight failing sends, one warning.
    expect(h.warnings.filter((w) => w.dependency === "ingest" && w.breaker === "red")).toHaveLength(1);

    // Past the open period the breaker lets a probe through, which fails and reopens it: still
    // the same outage, so still one warning.
    await until(async () => (await send(dora, "m-1", chatId)).error?.cause === "ingest_unreachable", 15_000, "a probe after the open period");
    // (each poll is a send: fail-fast answers until the open period ends)
    expect(await send(dora, "m-1", chatId)).toMatchObject({ error: { cause: "ingest_breaker_open" } });
    expect(h.warnings.filter((w) => w.dependency === "ingest")).toHaveLength(1);

    ingest = await startIngest(loadConfig({}, { CHAT_INGEST_GRPC_PORT: String(port), CHAT_SERVICE_SECRET: SECRET, CHAT_LOG_LEVEL: "silent" }), {
      store: h.store,
      eventLog: createEmbeddedEventLog(),
      rpc,
      logger: createLogger("ingest", "silent"),
      metrics: createMetricsRegistry("ingest-test", false),
    });
    // A client as it should be: same clientMessageId, waits retryAfterMs.
    let ack: Record<string, any> | undefined;
    const deadline = Date.now() + 20_000;
    while (!ack && Date.now() < deadline) {
      const res = await send(dora, "m-1", chatId);
      if (res.messageAck) ack = res.messageAck;
      else await new Promise((r) => setTimeout(r, Math.max(50, res.error.retryAfterMs)));
    }
    expect(ack).toMatchObject({ chatId, clientMessageId: "m-1", seq: "1" });
    expect(await ready()).toMatchObject({ status: 200, body: { checks: { ingest: "green" } } });
    expect(await gauge()).toBe(0);
    expect(h.warnings.filter((w) => w.dependency === "ingest" && w.breaker === "green")).toHaveLength(1);
    await dora.close();
  });
});
