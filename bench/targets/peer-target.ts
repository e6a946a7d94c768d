import type { ProtocolName } from "../load/protocols";
import type { ServerProcess } from "./server-process";
import type { Target, TargetName } from "./target";

// A peer server (bare ws, Centrifuge) in one process that prints "LISTENING <port>": groups are
// plain channel names, no tokens, no metrics of ours.
export async function peerTarget(name: TargetName, protocol: ProtocolName, proc: ServerProcess, notes: string[]): Promise<Target> {
  const [, port] = await proc.waitForOutput(/LISTENING (\d+)/, 30_000);
  return {
    name,
    protocol,
    wsUrl: `ws://127.0.0.1:${port}`,
    notes,
    processes: () => ({ server: [proc.pid] }),
    gatewayPids: () => [proc.pid],
    metricsUrls: () => [],
    createGroup: async (group) => group,
    createBigGroup: async (group, members) => ({ id: group, members: members.length }),
    token: async () => undefined,
    stop: () => proc.stop(),
  };
}
