import { rmSync } from "node:fs";
import { record, type Context } from "../context";
import { median } from "../phase";
import { launchAllInOne } from "../targets/all-in-one";

const LAUNCHES = 3;

// All-in-one from launch to listening: spawn to the first answer of the gateway's /health,
// with a fresh data directory each time.
export async function launch(ctx: Context): Promise<void> {
  if (!ctx.opts.targets.includes("allinone")) return;
  const times: number[] = [];
  let how = "";
  for (let i = 0; i < LAUNCHES; i++) {
    const aio = await launchAllInOne(ctx.tokens.issuer, ctx.opts.serverCpu || undefined);
    times.push(aio.launchMs);
    how = aio.how;
    await aio.proc.stop();
    rmSync(aio.dataDir, { recursive: true, force: true });
  }
  record(ctx, "launch", "allinone", { how, launchMs: median(times), all: times });
  ctx.log(`launch: all-in-one ${median(times)?.toFixed(0)} ms (${how})`);
}
