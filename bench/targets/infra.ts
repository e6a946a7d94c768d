import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./all-in-one";

const run = promisify(execFile);
const COMPONENTS = ["redis", "dynamodb", "kafka"] as const;
type Component = (typeof COMPONENTS)[number];
const PID_FILES: Record<Component, string> = { redis: "redis.pid", dynamodb: "dynamodb.pid", kafka: "kafka/kafka.pid" };

// Real Redis, DynamoDB Local and Kafka started by the repo's scripts (scripts/infra/*.sh) in a
// run directory of their own (CHAT_INFRA_RUN), so they never collide with anyone else's.
export class Infra {
  private started: Component[] = [];

  private constructor(readonly runDir: string) {}

  static async start(): Promise<Infra> {
    const infra = new Infra(mkdtempSync(join(tmpdir(), "chat-bench-infra-")));
    try {
      for (const c of COMPONENTS) {
        const start = () => run("bash", [join(ROOT, "scripts/infra", `${c}.sh`), "start"], { env: infra.env(), timeout: 300_000 });
        // One more try: on a busy machine a JVM can miss the script's start-up deadline.
        await start().catch(start);
        infra.started.push(c);
      }
    } catch (e) {
      await infra.stop();
      const err = e as { stderr?: string; message: string };
      throw new Error(`infrastructure did not start: ${(err.stderr || err.message).slice(-1500)}`);
    }
    return infra;
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, CHAT_INFRA_RUN: this.runDir };
  }

  // CHAT_REDIS_URL, CHAT_DYNAMODB_ENDPOINT, CHAT_KAFKA_BROKERS, as the scripts wrote them.
  variables(): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const c of COMPONENTS) {
      for (const line of readFileSync(join(this.runDir, `${c}.env`), "utf8").split("\n")) {
        const m = /^(\w+)=(.*)$/.exec(line.trim());
        if (m) vars[m[1]] = m[2];
      }
    }
    return vars;
  }

  pids(): Record<Component, number[]> {
    const out = {} as Record<Component, number[]>;
    for (const c of COMPONENTS) {
      try {
        out[c] = [Number(readFileSync(join(this.runDir, PID_FILES[c]), "utf8").trim())];
      } catch {
        out[c] = [];
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const c of [...this.started].reverse()) {
      await run("bash", [join(ROOT, "scripts/infra", `${c}.sh`), "stop"], { env: this.env(), timeout: 60_000 }).catch(() => undefined);
    }
    this.started = [];
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
