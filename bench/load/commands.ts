import type { HistogramData } from "../stats/histogram";
import type { ConnSpec } from "./protocols/protocol";
import type { ProtocolName } from "./protocols";

// The messages between the bench's orchestrator and a generator process (Node IPC).

// Connections are kept in named pools (one per target and population), so a phase drives only
// its own pool's connections.
export interface ConnectCommand {
  type: "connect";
  pool: string;
  protocol: ProtocolName;
  url: string;
  specs: ConnSpec[];
  // Connections being opened at the same time.
  concurrency: number;
}
export interface ConnectReply {
  ms: number;
  opened: number;
  failed: number;
  firstError?: string;
}

// Open-loop load: `rate` messages per second from this generator's connections, each sending in
// turn to its groups, for `durationMs`; then up to `drainMs` for the acks and deliveries owed.
export interface LoadCommand {
  type: "load";
  pool: string;
  rate: number;
  durationMs: number;
  drainMs: number;
}

// All sends at once (one message to a big chat, a burst), then up to `timeoutMs` for them.
export interface FireCommand {
  type: "fire";
  pool: string;
  sends: Array<{ user: string; group: string }>;
  timeoutMs: number;
}

export interface PhaseReply {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  deliveries: number;
  expectedDeliveries: number;
  ackLatency: HistogramData;
  deliveryLatency: HistogramData;
  // From the first send to the last delivery (ms).
  spanMs: number;
  // Send to the last member, per message (ms), for fire.
  lastMemberMs: number[];
  duplicates: number;
  outOfOrder: number;
  // Acked but not delivered to some online member: found in the store, or not.
  missing: number;
  missingInStore: number;
  missingLost: number;
  missingUnchecked: number;
}

export type Command = ConnectCommand | LoadCommand | FireCommand | { type: "close"; pool: string };
