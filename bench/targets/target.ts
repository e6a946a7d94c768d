import type { ProtocolName } from "../load/protocols";

export type TargetName = "ws" | "centrifuge" | "allinone" | "distributed";

// A server under test, started by the bench and stopped again.
export interface Target {
  name: TargetName;
  protocol: ProtocolName;
  wsUrl: string;
  // How it was started (bundle or tsx, pinned CPU), for the report.
  notes: string[];
  // Root pids of its processes by role ("server" for the Node services or the peer; "kafka",
  // "dynamodb", "redis" for the infrastructure). Descendants are counted too.
  processes(): Record<string, number[]>;
  // The processes holding the WebSocket connections (memory per connection).
  gatewayPids(): number[];
  // Prometheus endpoints of our services (none for the peers).
  metricsUrls(): string[];
  // A group of members (owner first): a chat created through the real API, or a channel name.
  createGroup(name: string, members: string[]): Promise<string>;
  // A big one: as many of the members as fit before the deadline (in order); how many it has.
  createBigGroup(name: string, members: string[], deadlineMs: number): Promise<{ id: string; members: number }>;
  token(user: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

// The roles whose CPU counts as "ours" (the Node services / the peer) rather than infrastructure.
export const SERVER_ROLE = "server";
