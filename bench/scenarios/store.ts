import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { record, sleep, type Context } from "../context";
import { processTree, sample } from "../stats/proc";
import { launchAllInOne, ROOT } from "../targets/all-in-one";
import { ServerProcess } from "../targets/server-process";

// The store-disk stream's fill-and-restart script: fills an embedded store through the Store
// port and reopens it, printing one JSON result line.
const SCRIPT = join(ROOT, "bench/embedded-store/fill-and-restart.ts");

// All-in-one's embedded store after 1,000,000 messages: the script fills a data directory (and
// reports its own fill and reopen figures); then the real all-in-one starts on that directory:
// launch to listening, and its RSS once it serves.
export async function store(ctx: Context): Promise<void> {
  if (!ctx.opts.targets.includes("allinone")) return;
  if (!existsSync(SCRIPT)) {
    record(ctx, "store", "allinone", { error: "bench/embedded-store/fill-and-restart.ts is not there" });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-store-"));
  try {
    ctx.log(`store: filling ${ctx.opts.storeMessages} messages (at most ${ctx.opts.storeMaxSeconds} s)`);
    const script = await runScript(["--messages", String(ctx.opts.storeMessages), "--max-seconds", String(ctx.opts.storeMaxSeconds), "--data-dir", dir, "--keep"], ctx.opts.serverCpu, (ctx.opts.storeMaxSeconds + 300) * 1000);
    const aio = await launchAllInOne(ctx.tokens.issuer, ctx.opts.serverCpu || undefined, dir, dir);
    await sleep(3000);
    const rss = sample(processTree([aio.proc.pid])).rssBytes;
    await aio.proc.stop();
    const reached = (script as { reachedMessages?: number }).reachedMessages;
    record(ctx, "store", "allinone", { messages: reached, startupSec: aio.launchMs / 1000, rssMB: rss / 1e6, rssMiB: rss / 2 ** 20, how: aio.how, script });
    ctx.log(`store: ${reached} messages; all-in-one up in ${(aio.launchMs / 1000).toFixed(2)} s, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runs the script (pinned like a server) and returns its last JSON line.
async function runScript(args: string[], cpu: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const proc = ServerProcess.start("fill-and-restart", process.execPath, ["--import", "tsx", SCRIPT, ...args], { cwd: ROOT, cpu: cpu || undefined });
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  const last = proc.stdout.trim().split("\n").pop();
  try {
    return JSON.parse(last ?? "") as Record<string, unknown>;
  } catch {
    throw new Error(`fill-and-restart exited with ${code} and no result: ${proc.tail()}`);
  }
}
