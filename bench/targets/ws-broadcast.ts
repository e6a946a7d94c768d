import { resolve } from "node:path";
import { ServerProcess } from "./server-process";
import { peerTarget } from "./peer-target";
import type { Target } from "./target";

// The bare `ws` broadcast server (bench/peers/ws-broadcast/server.mjs): the Node ceiling.
export async function startWsBroadcast(cpu: string | undefined): Promise<Target> {
  const script = resolve(import.meta.dirname, "../peers/ws-broadcast/server.mjs");
  const proc = ServerProcess.start("ws", process.execPath, [script, "0"], { cpu });
  return peerTarget("ws", "ws-broadcast", proc, [cpu ? `pinned to CPU ${cpu}` : "not pinned"]);
}
