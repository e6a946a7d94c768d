import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..", "..");

// Free loopback ports, picked once so a restart can reuse them (the page's tokens name the
// issuer's URL, and the page reconnects to the same WebSocket URL). Taken below Linux's ephemeral
// range (32768+): a port from that range can be grabbed by any outgoing connection on the
// machine while the server is down.
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (!ports.includes(port) && (await canListen(port))) ports.push(port);
  }
  return ports;
}

export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export interface AllInOneProcess {
  webUrl: string;
  issuer: string;
  apiUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

// The all-in-one as a real OS process (`make dev`'s entry point), so a test can stop and start
// it like a person would: SIGTERM, then the same command again on the same ports and data.
export async function startAllInOneProcess(env: Record<string, string>): Promise<AllInOneProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "packages/all-in-one/src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!/Web page\s+(\S+)/.test(out)) {
    if (child.exitCode !== null) throw new Error(`all-in-one exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`all-in-one did not start within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pick = (re: RegExp) => out.match(re)![1];
  return {
    webUrl: pick(/Web page\s+(\S+)/),
    issuer: pick(/OIDC issuer\s+(\S+)/),
    apiUrl: pick(/REST API\s+(\S+)\/api\/v1/),
    wsUrl: pick(/WebSocket\s+(\S+)/),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const code = await exited;
      if (code !== 0) throw new Error(`all-in-one exited with ${code} on SIGTERM:\n${out.slice(-2000)}`);
    },
  };
}
