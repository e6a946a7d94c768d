import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TOPICS } from "@chat/domain";
import { ChatKind, ChatMgmtService } from "@chat/proto";
import { createDynamoStore } from "@chat/store/dynamodb";
import type { Store } from "@chat/store";
import { Cluster, freePort, waitUntil, type ServiceProcess } from "../../support/cluster";
import { requestWithRetry } from "../../../support/send-with-retry";

type Service = "ingest" | "fanout" | "chatmgmt" | "gateway";
export type Role = "ingest" | "chatmgmt" | "gateway-1" | "gateway-2" | "fanout-a" | "fanout-b";

interface Spec {
  service: Service;
  env: Record<string, string>;
  readyPort: number;
}

// The distributed deployment of the fault suite: ingest, chatmgmt, two gateways and two fanout
// replicas as OS processes (tests/integration/support/cluster.ts), each on fixed ports so a
// process restarted after a fault comes back at the same address.
export class Deployment {
  readonly cluster = new Cluster();
  private readonly specs = new Map<Role, Spec>();
  private readonly live = new Map<Role, ServiceProcess>();
  gatewayUrls: string[] = [];
  apiUrl = "";
  store!: Store;

  async start(): Promise<void> {
    await this.cluster.start();
    const [ingestGrpc, ingestHttp, cmHttp, cmGrpc, faHttp, fbHttp, g1, g1grpc, g2, g2grpc] = await Promise.all(Array.from({ length: 10 }, freePort));
    const ingestAddress = `http://127.0.0.1:${ingestGrpc}`;
    this.specs.set("ingest", { service: "ingest", env: { CHAT_INGEST_GRPC_PORT: String(ingestGrpc), CHAT_INGEST_HTTP_PORT: String(ingestHttp) }, readyPort: ingestHttp });
    this.specs.set("chatmgmt", { service: "chatmgmt", env: { CHAT_CHATMGMT_PORT: String(cmHttp), CHAT_CHATMGMT_GRPC_PORT: String(cmGrpc) }, readyPort: cmHttp });
    this.specs.set("gateway-1", { service: "gateway", env: { CHAT_GATEWAY_ID: "gw1", CHAT_GATEWAY_PORT: String(g1), CHAT_GATEWAY_GRPC_PORT: String(g1grpc), CHAT_INGEST_ADDRESS: ingestAddress }, readyPort: g1 });
    this.specs.set("gateway-2", { service: "gateway", env: { CHAT_GATEWAY_ID: "gw2", CHAT_GATEWAY_PORT: String(g2), CHAT_GATEWAY_GRPC_PORT: String(g2grpc), CHAT_INGEST_ADDRESS: ingestAddress }, readyPort: g2 });
    this.specs.set("fanout-a", { service: "fanout", env: { CHAT_FANOUT_HTTP_PORT: String(faHttp) }, readyPort: faHttp });
    this.specs.set("fanout-b", { service: "fanout", env: { CHAT_FANOUT_HTTP_PORT: String(fbHttp) }, readyPort: fbHttp });
    this.gatewayUrls = [`ws://127.0.0.1:${g1}/ws/v1`, `ws://127.0.0.1:${g2}/ws/v1`];
    this.apiUrl = `http://127.0.0.1:${cmHttp}`;
    for (const role of ["ingest", "chatmgmt", "gateway-1", "gateway-2"] as Role[]) await this.spawn(role);
    await Promise.all([this.spawn("fanout-a"), this.spawn("fanout-b")]);
    const env = this.cluster.processes[0].env;
    this.store = createDynamoStore({ endpoint: env.CHAT_DYNAMODB_ENDPOINT, region: "us-east-1", tablePrefix: env.CHAT_DYNAMODB_TABLE_PREFIX });
    await this.waitHealthy(120_000);
  }

  get env(): Record<string, string> {
    return this.cluster.processes[0].env;
  }

  async spawn(role: Role): Promise<ServiceProcess> {
    const spec = this.specs.get(role)!;
    const p = await this.cluster.spawn(spec.service, role, spec.env, spec.readyPort);
    this.live.set(role, p);
    return p;
  }

  // Output of every process (this run's and earlier incarnations) from the given offsets on;
  // call with no argument to get the current offsets.
  outputMark(): Map<ServiceProcess, number> {
    return new Map(this.cluster.processes.map((p) => [p, p.output.length]));
  }

  outputSince(mark: Map<ServiceProcess, number>): string {
    return this.cluster.processes
      .map((p) => {
        const lines = p.output.slice(mark.get(p) ?? 0).join("");
        return lines ? `===== ${p.name} (pid ${p.child.pid})\n${lines}` : "";
      })
      .filter(Boolean)
      .join("\n");
  }

  process(role: Role): ServiceProcess {
    return this.live.get(role)!;
  }

  isAlive(role: Role): boolean {
    const p = this.live.get(role);
    return !!p && p.child.exitCode === null && p.child.signalCode === null;
  }

  async kill(role: Role, signal: NodeJS.Signals): Promise<void> {
    await this.live.get(role)?.kill(signal);
  }

  // The state each scenario starts from: every process ready and both fanout replicas owning
  // partitions. A process a previous scenario killed is started again; one still not ready
  // after a while (e.g. a consumer that stopped for good) is restarted, as an orchestrator
  // would. Returns the roles it (re)started.
  async prepare(timeoutMs: number): Promise<string[]> {
    const restarted: string[] = [];
    for (const role of this.specs.keys()) {
      if (!this.isAlive(role)) {
        await this.spawn(role);
        restarted.push(role);
      }
    }
    try {
      await this.waitHealthy(Math.min(timeoutMs, 30_000));
    } catch {
      for (const role of this.specs.keys()) {
        const stuck = !(await this.ready(this.process(role))) || (role.startsWith("fanout") && (await this.assignment(role)).length === 0);
        if (stuck) {
          await this.kill(role, "SIGKILL");
          await this.spawn(role);
          restarted.push(`${role} (not ready)`);
        }
      }
      await this.waitHealthy(timeoutMs);
    }
    return restarted;
  }

  private async ready(p: ServiceProcess): Promise<boolean> {
    try {
      return (await fetch(p.readyUrl)).ok;
    } catch {
      return false;
    }
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    await waitUntil(async () => (await Promise.all([...this.live.values()].map((p) => this.ready(p)))).every(Boolean), timeoutMs, "every service ready");
    await waitUntil(async () => (await this.assignment("fanout-a")).length > 0 && (await this.assignment("fanout-b")).length > 0, timeoutMs, "both fanout replicas to own partitions");
  }

  async assignment(role: Role): Promise<number[]> {
    try {
      const body = (await (await fetch(this.process(role).readyUrl)).json()) as { assignment?: Record<string, number[]> };
      return body.assignment?.[TOPICS.messagesPersisted.name] ?? [];
    } catch {
      return [];
    }
  }

  async createGroup(owner: string, members: string[], title: string): Promise<string> {
    const bearer = await this.cluster.token(owner);
    const auth: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${bearer}`);
      return next(req);
    };
    const api = createClient(ChatMgmtService, createConnectTransport({ baseUrl: this.apiUrl, httpVersion: "1.1", interceptors: [auth] }));
    // Through the retry helper's shape: chat creation is also refused with unavailable under load.
    const reply = await requestWithRetry(
      {
        request: async () => {
          try {
            return { chat: (await api.createChat({ kind: ChatKind.GROUP, title, memberIds: members })).chat };
          } catch (e) {
            const code = ConnectError.from(e).code;
            if (code === Code.Unavailable || code === Code.ResourceExhausted || code === Code.DeadlineExceeded) return { error: { code: "unavailable", message: String(e) } };
            throw e;
          }
        },
      },
      {},
      { deadlineMs: 60_000 },
    );
    return reply.chat!.chatId;
  }

  async stop(): Promise<void> {
    await this.store?.close();
    await this.cluster.stop();
  }
}
