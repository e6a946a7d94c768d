import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../tests/support/free-port";
import { createBigChat, createChat } from "./chat-api";
import { CHAT_BENCH_ENV } from "./chat-env";
import { ServerProcess, waitHttpOk } from "./server-process";
import type { Target } from "./target";
import type { Tokens } from "./tokens";

// The tree whose servers are measured: this one, or BENCH_TREE (e.g. a worktree of an older
// commit, for a before/after with the same bench).
export const ROOT = resolve(process.env.BENCH_TREE ?? resolve(import.meta.dirname, "../.."));

// How to run a deployable: its compiled bundle (make bundle) when there is one, else tsx. With
// BENCH_CPU_PROF=DIR every Node server writes a V8 CPU profile to DIR/<bundle>/ when it stops.
export function launchArgs(bundle: string, source: string): { args: string[]; how: string } {
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${join(resolve(process.env.BENCH_CPU_PROF), bundle)}`] : [];
  prof.push(...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean));
  const file = join(ROOT, "dist", `${bundle}.mjs`);
  if (existsSync(file)) return { args: [...prof, file], how: `dist/${bundle}.mjs` };
  return { args: [...prof, "--import", "tsx", join(ROOT, source)], how: `tsx ${source}` };
}

export interface AllInOneProcess {
  proc: ServerProcess;
  gatewayPort: number;
  apiUrl: string;
  how: string;
  dataDir: string;
  // From spawn to the first 2xx of the gateway's /health (ms).
  launchMs: number;
}

// Starts `all-in-one` on fresh ports and a fresh data dir (or the given store directory),
// trusting the bench's issuer.
export async function launchAllInOne(issuer: string, cpu: string | undefined, dataDir = mkdtempSync(join(tmpdir(), "chat-bench-aio-")), storeDir = join(dataDir, "store")): Promise<AllInOneProcess> {
  const [gatewayPort, apiPort, grpcPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const { args, how } = launchArgs("all-in-one", "packages/all-in-one/src/main.ts");
  const env = {
    ...CHAT_BENCH_ENV,
    CHAT_OIDC_ISSUER: issuer,
    CHAT_GATEWAY_PORT: String(gatewayPort),
    CHAT_CHATMGMT_PORT: String(apiPort),
    CHAT_CHATMGMT_GRPC_PORT: String(grpcPort),
    CHAT_STORE_DATA_DIR: storeDir,
  };
  const started = performance.now();
  const proc = ServerProcess.start("all-in-one", process.execPath, args, { env, cwd: ROOT, cpu });
  await waitHttpOk(`http://127.0.0.1:${gatewayPort}/health`, 120_000, proc, 5);
  const launchMs = performance.now() - started;
  await waitHttpOk(`http://127.0.0.1:${gatewayPort}/ready`, 60_000, proc);
  return { proc, gatewayPort, apiUrl: `http://127.0.0.1:${apiPort}`, how, dataDir, launchMs };
}

export async function startAllInOneTarget(tokens: Tokens, cpu: string | undefined): Promise<Target> {
  const aio = await launchAllInOne(tokens.issuer, cpu);
  return {
    name: "allinone",
    protocol: "chat",
    wsUrl: `ws://127.0.0.1:${aio.gatewayPort}/ws/v1`,
    notes: [aio.how, cpu ? `pinned to CPU ${cpu}` : "not pinned"],
    processes: () => ({ server: [aio.proc.pid] }),
    gatewayPids: () => [aio.proc.pid],
    metricsUrls: () => [`http://127.0.0.1:${aio.gatewayPort}/metrics`],
    createGroup: async (name, members) => createChat(aio.apiUrl, await tokens.token(members[0]), name, members.slice(1)),
    createBigGroup: async (name, members, deadlineMs) => createBigChat(aio.apiUrl, await tokens.token(members[0]), name, members, deadlineMs),
    token: (user) => tokens.token(user),
    async stop() {
      await aio.proc.stop();
      rmSync(aio.dataDir, { recursive: true, force: true });
    },
  };
}
