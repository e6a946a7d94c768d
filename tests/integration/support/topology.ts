import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TOPICS } from "@chat/domain";
import { ChatKind, ChatMgmtService } from "@chat/proto";
import { WsClient } from "../../e2e/support/ws-client";
import { Cluster, freePort, waitUntil, type ServiceProcess } from "./cluster";

type Service = "ingest" | "chatmgmt" | "gateway" | "fanout";

// The distributed deployment of distributed.test.ts (ingest, chatmgmt, two gateways, N fanout
// replicas), with per-service environment overrides, for suites that kill, stop or pause parts.
export class Topology {
  readonly cluster = new Cluster();
  readonly fanouts: ServiceProcess[] = [];
  ingest!: ServiceProcess;
  chatmgmt!: ServiceProcess;
  gateways: ServiceProcess[] = [];
  gatewayUrls: string[] = [];
  apiUrl!: string;
  ingestAddress!: string;
  private readonly clients: WsClient[] = [];
  private fanoutCount = 0;

  constructor(private readonly env: Partial<Record<Service | "all", Record<string, string>>> = {}) {}

  async start(opts: { fanouts: number }): Promise<void> {
    await this.cluster.start();
    const [ingestGrpc, ingestHttp, cmHttp, cmGrpc] = await Promise.all(Array.from({ length: 4 }, freePort));
    this.ingest = await this.spawn("ingest", "ingest", { CHAT_INGEST_GRPC_PORT: String(ingestGrpc), CHAT_INGEST_HTTP_PORT: String(ingestHttp) }, ingestHttp);
    this.chatmgmt = await this.spawn("chatmgmt", "chatmgmt", { CHAT_CHATMGMT_PORT: String(cmHttp), CHAT_CHATMGMT_GRPC_PORT: String(cmGrpc) }, cmHttp);
    this.ingestAddress = `http://127.0.0.1:${ingestGrpc}`;
    this.apiUrl = `http://127.0.0.1:${cmHttp}`;
    for (const n of [1, 2]) {
      const [ws, grpc] = await Promise.all([freePort(), freePort()]);
      const env = { CHAT_GATEWAY_ID: `gw${n}`, CHAT_GATEWAY_PORT: String(ws), CHAT_GATEWAY_GRPC_PORT: String(grpc), CHAT_INGEST_ADDRESS: this.ingestAddress };
      this.gateways.push(await this.spawn("gateway", `gateway-${n}`, env, ws));
      this.gatewayUrls.push(`ws://127.0.0.1:${ws}/ws/v1`);
    }
    await Promise.all(Array.from({ length: opts.fanouts }, () => this.startFanout()));
    // Every replica owns partitions before traffic starts.
    await waitUntil(async () => (await Promise.all(this.fanouts.map((f) => this.assignment(f)))).every((a) => a.length > 0), 60_000, "every fanout replica to own partitions");
  }

  async startFanout(extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const p = await this.spawn("fanout", `fanout-${++this.fanoutCount}`, { CHAT_FANOUT_HTTP_PORT: String(port), ...extraEnv }, port);
    this.fanouts.push(p);
    return p;
  }

  // Partitions of messages.persisted a fanout replica owns, per its /ready.
  async assignment(p: ServiceProcess): Promise<number[]> {
    try {
      const body = (await (await fetch(p.readyUrl)).json()) as { assignment?: Record<string, number[]> };
      return body.assignment?.[TOPICS.messagesPersisted.name] ?? [];
    } catch {
      return [];
    }
  }

  async connect(user: string, gateway: number): Promise<WsClient> {
    const c = await WsClient.connect(this.gatewayUrls[gateway - 1], await this.cluster.token(user));
    this.clients.push(c);
    return c;
  }

  async createGroup(owner: string, members: string[]): Promise<string> {
    const bearer = await this.cluster.token(owner);
    const auth: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${bearer}`);
      return next(req);
    };
    const api = createClient(ChatMgmtService, createConnectTransport({ baseUrl: this.apiUrl, httpVersion: "1.1", interceptors: [auth] }));
    return (await api.createChat({ kind: ChatKind.GROUP, title: "topology", memberIds: members })).chat!.chatId;
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
    // A test that failed while a process was stopped leaves it stopped: continue it first.
    for (const p of this.cluster.processes) if (p.child.exitCode === null) p.child.kill("SIGCONT");
    await this.cluster.stop();
    // Each process's output, for a post-mortem of a failed run.
    const dir = resolve(import.meta.dirname, "../../../.test-results/logs");
    mkdirSync(dir, { recursive: true });
    for (const p of this.cluster.processes) writeFileSync(resolve(dir, `${this.cluster.runId}-${p.name}.log`), p.output.join(""));
  }

  private spawn(service: Service, name: string, env: Record<string, string>, port: number): Promise<ServiceProcess> {
    return this.cluster.spawn(service, name, { ...this.env.all, ...this.env[service], ...env }, port);
  }
}

// Sums a Prometheus text-format sample over the processes, for the series whose labels include
// `labels` (e.g. { gateway: "gw2", to: "open" }).
export async function metricSum(processes: ServiceProcess[], name: string, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0;
  for (const p of processes) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    const text = await (await fetch(p.readyUrl.replace(/\/ready$/, "/metrics"))).text();
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
    }
  }
  return sum;
}
