import { spawn, type ChildProcess } from "node:child_process";

// A server process the bench started: its output kept for errors, stopped with TERM, then KILL.
export class ServerProcess {
  readonly output: string[] = [];
  // Everything written to stdout (for a script's result line).
  stdout = "";
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output.push(String(d));
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout!.on("data", (d: Buffer) => {
      keep(d);
      this.stdout += d.toString();
    });
    child.stderr!.on("data", keep);
    this.exited = new Promise((res) => child.once("exit", (code) => res(code)));
  }

  // `cpu` pins the process to that CPU list with taskset (which execs, so the pid is the server's).
  static start(name: string, command: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; cpu?: string }): ServerProcess {
    const [cmd, argv] = opts.cpu ? ["taskset", ["-c", opts.cpu, command, ...args]] : [command, args];
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    return new ServerProcess(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(): string {
    return this.output.join("").slice(-3000);
  }

  // Resolves with the first match of `re` in the output; rejects if the process exits first or
  // after `timeoutMs`.
  waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(this.output.join(""));
        if (m) {
          cleanup();
          resolve(m);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.name} exited before it was ready:\n${this.tail()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.tail()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout!.off("data", check);
        this.child.off("exit", onExit);
      };
      this.child.stdout!.on("data", check);
      this.child.once("exit", onExit);
      check();
    });
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// Polls an HTTP URL until it answers 2xx (a server's readiness probe).
export async function waitHttpOk(url: string, timeoutMs: number, proc?: ServerProcess, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && !proc.alive) throw new Error(`${proc.name} exited before it was ready:\n${proc.tail()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms${proc ? `:\n${proc.tail()}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
