import { spawn, type ChildProcess } from "node:child_process";

export { freePort } from "../../support/free-port";
export { until as waitUntil } from "../../support/until";


export interface Running {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

// A child process whose output is kept for the failure message.
export function run(command: string, args: string[], opts: { cwd: string; env: Record<string, string | undefined> }): Running {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout.on("data", (d) => output.push(String(d)));
  child.stderr.on("data", (d) => output.push(String(d)));
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  return { child, output, exited };
}

// Runs to completion and returns exit code and output.
export async function runToEnd(command: string, args: string[], opts: { cwd: string; env: Record<string, string | undefined> }): Promise<{ code: number | null; output: string }> {
  const r = run(command, args, opts);
  const code = await r.exited;
  return { code, output: r.output.join("") };
}
