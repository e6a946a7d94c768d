import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";
import { createDynamoStore } from "@chat/store/dynamodb";
import { requiredEnv } from "./required-env";

const ROOT = resolve(import.meta.dirname, "../../..");

export { freePort } from "../../support/free-port";
import { until as waitUntil } from "../../support/until";
export { waitUntil };

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  env: Record<string, string>;
  output: string[];
  // Probe URL (/ready) of this process.
  readyUrl: string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

// A distributed deployment on one machine: every service its own OS process, wired to the real
// Kafka, DynamoDB Local and Redis from scripts/with-infra.sh, with a fresh namespace per run
// (table prefix, Redis key prefix, consumer group).
export class Cluster {
  readonly runId = randomUUID().slice(0, 8);
  readonly processes: ServiceProcess[] = [];
  issuer!: DevIssuer;
  private baseEnv!: Record<string, string>;

  async start(): Promise<void> {
    this.issuer = await startDevIssuer({ host: "127.0.0.1", port: 0, audience: "chat-api" });
    this.baseEnv = {
      CHAT_LOG_LEVEL: "warn",
      CHAT_SERVICE_SECRET: `secret-${this.runId}-0123456789`,
      CHAT_EVENTLOG: "kafka",
      CHAT_KAFKA_BROKERS: requiredEnv("CHAT_KAFKA_BROKERS"),
      CHAT_KAFKA_CLIENT_ID: `chat-${this.runId}`,
      CHAT_STORE: "dynamodb",
      CHAT_DYNAMODB_ENDPOINT: requiredEnv("CHAT_DYNAMODB_ENDPOINT"),
      CHAT_DYNAMODB_TABLE_PREFIX: `d${this.runId}_`,
      CHAT_PRESENCE: "redis",
      CHAT_REDIS_URL: requiredEnv("CHAT_REDIS_URL"),
      CHAT_REDIS_KEY_PREFIX: `d${this.runId}:`,
      CHAT_OIDC_ISSUER: this.issuer.issuer,
      CHAT_OIDC_ALLOW_HTTP: "true",
      CHAT_FANOUT_GROUP_ID: `fanout-${this.runId}`,
      // Short timers so a dead gateway's routes expire within the test.
      CHAT_HEARTBEAT_INTERVAL_MS: "500",
      CHAT_PRESENCE_TTL_MS: "2000",
      CHAT_OUTBOX_INTERVAL_MS: "500",
      CHAT_DRAIN_TIMEOUT_MS: "3000",
    };
    // Tables once, before several processes race to create them.
    const store = createDynamoStore({ endpoint: this.baseEnv.CHAT_DYNAMODB_ENDPOINT, region: "us-east-1", tablePrefix: this.baseEnv.CHAT_DYNAMODB_TABLE_PREFIX });
    await store.bootstrap();
    await store.close();
  }

  async spawn(service: "ingest" | "fanout" | "chatmgmt" | "gateway", name: string, env: Record<string, string>, readyPort: number): Promise<ServiceProcess> {
    const fullEnv = { ...process.env, ...this.baseEnv, ...env } as Record<string, string>;
    const child = spawn(process.execPath, ["--import", "tsx", resolve(ROOT, `services/${service}/src/main.ts`)], { cwd: ROOT, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    child.stdout.on("data", (d) => output.push(String(d)));
    child.stderr.on("data", (d) => output.push(String(d)));
    const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
    const proc: ServiceProcess = {
      name,
      child,
      env: fullEnv,
      output,
      readyUrl: `http://127.0.0.1:${readyPort}/ready`,
      async kill(signal = "SIGTERM") {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.processes.push(proc);
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join("").slice(-3000)}`);
      try {
        return (await fetch(proc.readyUrl)).ok;
      } catch {
        return false;
      }
    }, 60_000, `${name} ready`);
    return proc;
  }

  async token(user: string): Promise<string> {
    return this.issuer.mintAccessToken(user);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill("SIGKILL")));
    await this.issuer.close();
  }
}

