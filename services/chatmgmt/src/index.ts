import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Config } from "@chat/config";
import { ALL_TOPICS, DEFAULT_LIMITS } from "@chat/domain";
import type { EventLog } from "@chat/eventlog";
import type { TokenVerifier } from "@chat/identity";
import type { Logger, Registry } from "@chat/observability";
import { OutboxRelay } from "@chat/outbox";
import { chatErrorsToConnect, type RpcHost } from "@chat/rpc";
import type { Store } from "@chat/store";
import { userAuthInterceptor } from "./auth/user-context";
import { ChatService } from "./chats/chat-service";
import { chatMgmtRoutes } from "./rpc/chatmgmt-routes";

export interface ChatMgmtDeps {
  store: Store;
  eventLog: EventLog;
  verifier: TokenVerifier;
  rpc: RpcHost;
  logger: Logger;
  metrics: Registry;
}

export interface RunningChatMgmt {
  // HTTP/1.1 port: Connect JSON (curl-able), health and metrics.
  port: number;
  grpcAddress: string;
  stop(): Promise<void>;
}

export async function startChatMgmt(config: Config, deps: ChatMgmtDeps): Promise<RunningChatMgmt> {
  await deps.store.bootstrap();
  await deps.eventLog.ensureTopics(ALL_TOPICS);
  const relay = new OutboxRelay(deps.store, deps.eventLog, deps.logger, {
    intervalMs: config.limits.outboxIntervalMs,
    graceMs: config.limits.outboxIntervalMs,
    batch: 500,
  });
  const chats = new ChatService(
    deps.store,
    { maxIdLength: DEFAULT_LIMITS.maxIdLength, historyDefaultLimit: DEFAULT_LIMITS.syncDefaultLimit, historyMaxLimit: DEFAULT_LIMITS.syncMaxLimit },
    (entry) => relay.publishNow(entry),
  );
  const routes = chatMgmtRoutes(chats);
  const auth = userAuthInterceptor(deps.verifier);
  const grpc = await deps.rpc.serve("chatmgmt", routes, { port: config.chatmgmt.grpcPort, internal: false, interceptors: [auth] });

  const connect = connectNodeAdapter({ routes, interceptors: [chatErrorsToConnect, auth] });
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") return json(res, 200, { status: "ok" });
    if (path === "/ready") {
      try {
        await deps.store.ping();
        return json(res, 200, { status: "ready" });
      } catch {
        return json(res, 503, { status: "not_ready", checks: { store: "unreachable" } });
      }
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": deps.metrics.contentType });
      return void res.end(await deps.metrics.metrics());
    }
    connect(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.chatmgmt.port, config.host, () => resolve());
  });
  relay.start();
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ port, grpc: grpc.address }, "chatmgmt ready");
  return {
    port,
    grpcAddress: grpc.address,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await grpc.close();
      await relay.stop();
    },
  };
}

function json(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
