import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { ServerProcess } from "./server-process";
import { peerTarget } from "./peer-target";
import type { Target } from "./target";

// The Centrifuge-library Go peer (bench/peers/centrifuge), built by its build.sh (cached outside
// the tree). Throws NotBuilt when it cannot be built here (no Go, no module proxy).
export class NotBuilt extends Error {}

export async function startCentrifuge(cpu: string | undefined): Promise<Target> {
  const build = resolve(import.meta.dirname, "../peers/centrifuge/build.sh");
  let bin: string;
  try {
    bin = (await promisify(execFile)("bash", [build], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new NotBuilt(`not built: ${(err.stderr || err.message).trim().split("\n").slice(-3).join(" ")}`);
  }
  const proc = ServerProcess.start("centrifuge", bin, ["-port", "0"], { cpu });
  return peerTarget("centrifuge", "centrifuge", proc, [cpu ? `pinned to CPU ${cpu} (GOMAXPROCS follows the affinity)` : "not pinned"]);
}
