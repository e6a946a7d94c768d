import { resolve } from "node:path";
import { ServerProcess } from "./server-process";
import type { Target } from "./target";

// The bare `ws` broadcast server (bench/peers/ws-broadcast/server.mjs): the Node ceiling.
export async function startWsBroadcast(cpu: string | undefined): Promise<Target> {
  const script = resolve(import.meta.dirname, "../peers/ws-broadcast/server.mjs");
  const proc = ServerProcess.start("ws", process.execPath, [script, "0"], { cpu });
  const [, port] = await proc.waitForOutput(/LISTENING (\d+)/, 30_000);
  return {
    name: "ws",
    protocol: "ws-broadcast",
    wsUrl: `ws://127.0.0.1:${port}`,
    notes: [cpu ? `pinned to CPU ${cpu}` : "not pinned"],
    processes: () => ({ server: [proc.pid] }),
    gatewayPids: () => [proc.pid],
    metricsUrls: () => [],
    createGroup: async (name) => name,
    createBigGroup: async (name, members) => ({ id: name, members: members.length }),
    token: async () => undefined,
    stop: () => proc.stop(),
  };
}
