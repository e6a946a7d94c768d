import { fork, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import type { Command, ConnectCommand, ConnectReply, FireCommand, LoadCommand, PhaseReply } from "./commands";

// The orchestrator's handle on one load-generator process (bench/load/worker.ts), pinned with
// taskset to its own CPU so the generator and the servers do not share a core.
export class Generator {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: { seq: number; ok: boolean; reply?: object; error?: string }) => {
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      if (m.ok) w?.resolve(m.reply);
      else w?.reject(new Error(`generator: ${m.error}`));
    });
    child.on("exit", (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`generator exited with ${code}`));
      this.waiting.clear();
    });
  }

  static start(id: number, cpu: string | undefined): Generator {
    const script = resolve(import.meta.dirname, "worker.ts");
    const args = ["--import", "tsx", script];
    // fork runs `execPath execArgv... script`; taskset in front pins it (and keeps the pid).
    const child = fork(script, [], {
      execPath: cpu ? "taskset" : process.execPath,
      execArgv: cpu ? ["-c", cpu, process.execPath, ...args.slice(0, 2)] : args.slice(0, 2),
      env: { ...process.env, BENCH_WORKER_ID: String(id) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Generator(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  private request<T>(cmd: Command): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.child.send({ seq, cmd });
    });
  }

  connect(cmd: Omit<ConnectCommand, "type">): Promise<ConnectReply> {
    return this.request({ type: "connect", ...cmd });
  }

  load(cmd: Omit<LoadCommand, "type">): Promise<PhaseReply> {
    return this.request({ type: "load", ...cmd });
  }

  fire(cmd: Omit<FireCommand, "type">): Promise<PhaseReply> {
    return this.request({ type: "fire", ...cmd });
  }

  close(pool: string): Promise<object> {
    return this.request({ type: "close", pool });
  }

  stop(): void {
    this.child.kill("SIGTERM");
  }
}
