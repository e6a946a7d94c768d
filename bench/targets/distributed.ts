import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../tests/support/free-port";
import { launchArgs, ROOT } from "./all-in-one";
import { createBigChat, createChat } from "./chat-api";
import { CHAT_BENCH_ENV } from "./chat-env";
import { Infra } from "./infra";
import { ServerProcess, waitHttpOk } from "./server-process";
import type { Target } from "./target";
import type { Tokens } from "./tokens";

type Service = "ingest" | "chatmgmt" | "gateway" | "fanout";

// The four services as separate processes (one of each) on real Kafka, DynamoDB Local and
// Redis. Not pinned: as in the issue, services and infrastructure share the machine's cores.
export async function startDistributed(tokens: Tokens): Promise<Target> {
  const infra = await Infra.start();
  const procs: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await infra.stop();
  };
  try {
    const runId = randomUUID().slice(0, 8);
    const base = {
      ...CHAT_BENCH_ENV,
      ...infra.variables(),
      CHAT_SERVICE_SECRET: `bench-${runId}-0123456789abcdef`,
      CHAT_EVENTLOG: "kafka",
      CHAT_KAFKA_CLIENT_ID: `bench-${runId}`,
      CHAT_STORE: "dynamodb",
      CHAT_DYNAMODB_TABLE_PREFIX: `b${runId}_`,
      CHAT_PRESENCE: "redis",
      CHAT_REDIS_KEY_PREFIX: `b${runId}:`,
      CHAT_OIDC_ISSUER: tokens.issuer,
      CHAT_FANOUT_GROUP_ID: `fanout-${runId}`,
    };
    const boot = launchArgs("bootstrap", "packages/wiring/src/bootstrap-cli.ts");
    await promisify(execFile)(process.execPath, boot.args, { cwd: ROOT, env: { ...process.env, ...base }, timeout: 180_000 });

    const [ingestGrpc, ingestHttp, apiPort, apiGrpc, gwPort, gwGrpc, fanoutHttp] = await Promise.all(Array.from({ length: 7 }, freePort));
    const hows: string[] = [];
    const start = async (service: Service, env: Record<string, string>, readyPort: number) => {
      const { args, how } = launchArgs(service, `services/${service}/src/main.ts`);
      hows.push(how);
      const p = ServerProcess.start(service, process.execPath, args, { env: { ...base, ...env, ...serviceEnv(service) }, cwd: ROOT });
      procs.push(p);
      keepLog(service, p);
      await waitHttpOk(`http://127.0.0.1:${readyPort}/ready`, 120_000, p, 100);
      return p;
    };
    await start("ingest", { CHAT_INGEST_GRPC_PORT: String(ingestGrpc), CHAT_INGEST_HTTP_PORT: String(ingestHttp) }, ingestHttp);
    await start("chatmgmt", { CHAT_CHATMGMT_PORT: String(apiPort), CHAT_CHATMGMT_GRPC_PORT: String(apiGrpc) }, apiPort);
    const gateway = await start(
      "gateway",
      { CHAT_GATEWAY_ID: `gw-${runId}`, CHAT_GATEWAY_PORT: String(gwPort), CHAT_GATEWAY_GRPC_PORT: String(gwGrpc), CHAT_INGEST_ADDRESS: `http://127.0.0.1:${ingestGrpc}` },
      gwPort,
    );
    await start("fanout", { CHAT_FANOUT_HTTP_PORT: String(fanoutHttp) }, fanoutHttp);
    await waitAssigned(`http://127.0.0.1:${fanoutHttp}/ready`);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    return {
      name: "distributed",
      protocol: "chat",
      wsUrl: `ws://127.0.0.1:${gwPort}/ws/v1`,
      notes: [[...new Set(hows.map((h) => (h.startsWith("tsx") ? "tsx" : "bundles")))].join("+"), "not pinned (services and infrastructure share both cores)", ...infraNotes(infra)],
      processes: () => ({ server: procs.map((p) => p.pid), ...infra.pids() }),
      gatewayPids: () => [gateway.pid],
      metricsUrls: () => [ingestHttp, apiPort, gwPort, fanoutHttp].map((p) => `http://127.0.0.1:${p}/metrics`),
      createGroup: async (name, members) => createChat(apiUrl, await tokens.token(members[0]), name, members.slice(1)),
      createBigGroup: async (name, members, deadlineMs) => createBigChat(apiUrl, await tokens.token(members[0]), name, members, deadlineMs),
      token: (user) => tokens.token(user),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// What the infrastructure ran with (the JVM flags and DynamoDB Local's storage mode), read from
// the processes themselves so the JSON states what was measured.
function infraNotes(infra: Infra): string[] {
  const notes: string[] = [];
  for (const [name, pids] of Object.entries(infra.pids())) {
    try {
      const args = readFileSync(`/proc/${pids[0]}/cmdline`, "utf8").split("\0");
      const flags = args.filter((a) => /^-X|^-inMemory$|^-sharedDb$|^-dbPath$/.test(a));
      if (flags.length > 0) notes.push(`${name}: ${flags.join(" ")}`);
    } catch {
      // gone or not readable: no note
    }
  }
  return notes;
}

// Diagnosis aids, off by default: BENCH_LOG_DIR keeps each service's output in
// DIR/<service>.log; BENCH_<SERVICE>_ENV (JSON) adds variables to one service, e.g.
// BENCH_INGEST_ENV='{"CHAT_LOG_LEVEL":"debug"}'.
function serviceEnv(service: Service): Record<string, string> {
  const raw = process.env[`BENCH_${service.toUpperCase()}_ENV`];
  return raw ? (JSON.parse(raw) as Record<string, string>) : {};
}

function keepLog(service: Service, p: ServerProcess): void {
  const dir = process.env.BENCH_LOG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const out = createWriteStream(join(dir, `${service}.log`));
  appendFileSync(join(dir, "pids"), `${service} ${p.pid}\n`);
  p.child.stdout!.on("data", (d: Buffer) => out.write(d));
  p.child.stderr!.on("data", (d: Buffer) => out.write(d));
  void p.exited.then(() => out.end());
}

// The fanout replica owns partitions of messages.persisted before traffic starts.
async function waitAssigned(readyUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const body = (await (await fetch(readyUrl)).json()) as { assignment?: Record<string, number[]> };
      if (Object.values(body.assignment ?? {}).some((a) => a.length > 0)) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("fanout owns no partitions after 60 s");
}
