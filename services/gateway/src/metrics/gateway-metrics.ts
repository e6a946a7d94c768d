import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServerFrame } from "@chat/proto";
import { Counter, Histogram, type Registry } from "@chat/observability";

// Client frame kinds and server frame kinds the gateway knows; their counter children are bound
// once here so the per-message path increments a child directly, with no label lookup.
const CLIENT_KINDS = ["sendMessage", "ack", "read", "sync", "typing", "ping", "auth", "undecodable"] as const;
const SERVER_KINDS = ["hello", "messageAck", "message", "syncResult", "receipt", "presence", "typing", "error", "connectionClosing", "pong", "membership"] as const;

interface Child {
  inc(n?: number): void;
}

// Children for the known kinds are bound (label hash computed once) and exported at 0 from the
// start, so rate() and absent-series alerts work before the first event; a kind outside the
// lists (a future frame kind) is bound on first use.
function bind<L extends string>(counter: Counter<L>, labels: Record<L, string>): Child {
  const child = counter.labels(labels);
  child.inc(0);
  return child;
}

function boundChildren<L extends string>(counter: Counter<L>, label: L, known: readonly string[]): (value: string) => Child {
  const children = new Map<string, Child>(known.map((k) => [k, bind(counter, { [label]: k } as Record<L, string>)]));
  return (value) => {
    let c = children.get(value);
    if (!c) children.set(value, (c = bind(counter, { [label]: value } as Record<L, string>)));
    return c;
  };
}

// A send answered with an error is "failed" when the server is at fault (the availability SLO
// counts these) and "refused" when the request was (bad input, limits, permissions).
const SERVER_FAULTS = new Set(["unavailable", "internal", "deadline_exceeded"]);

export interface GatewayMetrics {
  // startedAt (performance.now()) is given for sends: the send→ack latency.
  frame(kind: string, outcome: "ok" | "error", code?: string, startedAt?: number): void;
  upgradeRefused(code: string): void;
  pushed(frame: ServerFrame, connections: number, delivered: number, nowMs: number): void;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const frames = new Counter({ name: "gateway_frames_total", help: "Client frames handled", labelNames: ["kind", "outcome"], registers: [registry] });
  const received = new Counter({ name: "gateway_messages_received_total", help: "sendMessage frames received from authenticated clients (accepted or not)", registers: [registry] });
  const rateLimited = new Counter({
    name: "gateway_rate_limited_total",
    help: "Requests refused with rate_limited, by frame kind (connect: WebSocket upgrades refused by the per-IP caps)",
    labelNames: ["kind"],
    registers: [registry],
  });
  const pushedTotal = new Counter({ name: "gateway_deliveries_total", help: "Frames pushed by Deliver, by kind", labelNames: ["kind"], registers: [registry] });
  const latency = new Histogram({
    name: "gateway_delivery_latency_seconds",
    help: "Send to delivery: from the message's server timestamp (created_at, set by ingest) to the push onto a recipient's connection",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const sendAck = new Histogram({
    name: "gateway_send_ack_seconds",
    help: "Send to ack: from taking up a sendMessage frame to its answer (message_ack or error), by outcome: ok, refused (the client's fault), failed (the server's)",
    labelNames: ["outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const sendAckBy = { ok: sendAck.labels({ outcome: "ok" }), refused: sendAck.labels({ outcome: "refused" }), failed: sendAck.labels({ outcome: "failed" }) };
  const okBy = new Map<string, Child>(CLIENT_KINDS.map((k) => [k, bind(frames, { kind: k, outcome: "ok" })]));
  const errBy = new Map<string, Child>(CLIENT_KINDS.map((k) => [k, bind(frames, { kind: k, outcome: "error" })]));
  const limitedBy = boundChildren(rateLimited, "kind", [...CLIENT_KINDS, "connect"]);
  const pushedBy = boundChildren(pushedTotal, "kind", SERVER_KINDS);
  return {
    frame(kind, outcome, code, startedAt) {
      const by = outcome === "ok" ? okBy : errBy;
      let child = by.get(kind);
      if (!child) by.set(kind, (child = bind(frames, { kind, outcome })));
      child.inc();
      if (kind === "sendMessage") {
        received.inc();
        if (startedAt !== undefined) {
          const by = outcome === "ok" ? sendAckBy.ok : SERVER_FAULTS.has(code ?? "") ? sendAckBy.failed : sendAckBy.refused;
          by.observe((performance.now() - startedAt) / 1000);
        }
      }
      if (code === "rate_limited") limitedBy(kind).inc();
    },
    upgradeRefused(code) {
      if (code === "rate_limited") limitedBy("connect").inc();
    },
    pushed(frame, connections, delivered, nowMs) {
      pushedBy(frame.kind.case ?? "unknown").inc(connections);
      if (frame.kind.case === "message" && frame.kind.value.createdAt && delivered > 0) {
        const seconds = Math.max(0, nowMs - timestampMs(frame.kind.value.createdAt)) / 1000;
        for (let i = 0; i < delivered; i++) latency.observe(seconds);
      }
    },
  };
}
