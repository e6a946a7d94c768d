import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createContextValues, createRouterTransport } from "@connectrpc/connect";
import type { Config } from "@chat/config";
import { ALL_TOPICS, DEFAULT_LIMITS } from "@chat/domain";
import type { EventLog } from "@chat/eventlog";
import type { TokenVerifier } from "@chat/identity";
import { healthBody, probeAll, readyBody, renderMetrics, REQUEST_ID_HEADER, requestIdFrom, serveAsync, withRequestId, type Logger, type Registry } from "@chat/observability";
import { OutboxRelay, registerOutboxBacklogGauge } from "@chat/outbox";
import { ChatMgmtService } from "@chat/proto";
import { chatErrorsToConnect, createConnectHttpHandler, peerAddressKey, PEER_ADDRESS_HEADER, startGrpcServer } from "@chat/rpc";
import { buildOpenApi, createRestHandler, sendNotFound } from "@chat/transcoder";
import type { Store } from "@chat/store";
import { rateLimitInterceptor } from "./auth/rate-limit";
import { userAuthInterceptor } from "./auth/user-context";
import { ChatService } from "./chats/chat-service";
import { PageTokens } from "./chats/page-token";
import { chatMgmtRoutes } from "./rpc/chatmgmt-routes";
import { requestLogInterceptor } from "./rpc/request-log";

export interface ChatMgmtDeps {
  store: Store;
  eventLog: EventLog;
  verifier: TokenVerifier;
  logger: Logger;
  metrics: Registry;
  // Extra HTTP routes on the REST port, tried before Connect (the all-in-one serves the web page
  // here, same-origin with the API). Returns false to pass the request on.
  httpRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface RunningChatMgmt {
  // HTTP/1.1 port: REST (/api/v1, transcoded), Connect JSON, health and metrics.
  port: number;
  grpcPort: number;
  stop(): Promise<void>;
}

export async function startChatMgmt(config: Config, deps: ChatMgmtDeps): Promise<RunningChatMgmt> {
  await deps.store.bootstrap();
  await deps.eventLog.ensureTopics(ALL_TOPICS);
  const relay = new OutboxRelay(deps.store, deps.eventLog, deps.logger, { intervalMs: config.limits.outboxIntervalMs });
  const chats = new ChatService(
    deps.store,
    {
      maxIdLength: DEFAULT_LIMITS.maxIdLength,
      historyDefaultLimit: config.limits.syncPageDefault,
      historyMaxLimit: config.limits.syncPageMax,
      chatsPageDefault: config.limits.chatsPageDefault,
      chatsPageMax: config.limits.chatsPageMax,
      maxChatsPerUser: config.limits.maxChatsPerUser,
      maxMembersPerChat: config.limits.maxMembersPerChat,
    },
    (entry) => relay.publishNow(entry),
    new PageTokens(config.serviceSecret),
  );
  registerOutboxBacklogGauge(deps.metrics, deps.store);
  const maxRequestBytes = config.limits.apiMaxRequestBytes;
  const routes = chatMgmtRoutes(chats);
  // Authentication first, then limits that need the user; the same chain on every transport.
  // Outermost after the error mapping: the request id and the log line cover refused calls too.
  const guards = [
    requestLogInterceptor(deps.logger, deps.metrics),
    userAuthInterceptor(deps.verifier, deps.logger),
    rateLimitInterceptor({ perUser: config.limits.apiPerUser, perIp: config.limits.apiPerIp }),
  ];
  // The public API is served over gRPC on a network port in every mode (all-in-one too): it is
  // for clients, not an internal hop, so it does not go through the RpcHost.
  const grpc = await startGrpcServer({ host: config.host, port: config.chatmgmt.grpcPort, routes, interceptors: [chatErrorsToConnect, ...guards], readMaxBytes: maxRequestBytes });

  const peer = (req: { socket: { remoteAddress?: string } }) => createContextValues().set(peerAddressKey, req.socket.remoteAddress);
  const connect = createConnectHttpHandler({ routes, interceptors: [chatErrorsToConnect, ...guards], contextValues: peer, maxRequestBytes, fallback: sendNotFound });
  // REST calls go through the same handlers and guards over an in-process transport.
  const restTransport = createRouterTransport(routes, { router: { interceptors: [chatErrorsToConnect, ...guards] } });
  const rest = createRestHandler({
    services: [{ service: ChatMgmtService, transport: restTransport }],
    maxBodyBytes: maxRequestBytes,
    forwardHeaders: (req) => new Headers({ authorization: req.headers.authorization ?? "", [PEER_ADDRESS_HEADER]: req.socket.remoteAddress ?? "" }),
  });
  const openapi = JSON.stringify(buildOpenApi([ChatMgmtService], { title: "Chat management API", version: "v1" }));
  const serve = serveAsync(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/api/v1/openapi.json") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(openapi);
    }
    if (path.startsWith("/api/") && (await rest(req, res))) return;
    if (path === "/health") return json(res, 200, healthBody());
    if (path === "/ready") {
      const r = await probeAll({ store: () => deps.store.ping(), event_log: () => deps.eventLog.ping() });
      return json(res, r.ready ? 200 : 503, readyBody(r.ready, r.checks));
    }
    if (path === "/metrics") {
      const m = await renderMetrics(deps.metrics);
      res.writeHead(m.status, { "content-type": m.contentType });
      return void res.end(m.body);
    }
    if (deps.httpRoutes?.(req, res)) return;
    connect(req, res);
  }, (err) => deps.logger.error({ err }, "chatmgmt HTTP request failed"));
  // Every HTTP request runs under a request id (the client's x-request-id if it looks like one),
  // echoed in the response, so a client's report and our log lines meet.
  const server: Server = createServer((req, res) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // The request lasts until its response is done (serve does not return a promise).
    withRequestId(requestId, () => serve(req, res), new Promise((done) => res.once("close", done)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.chatmgmt.port, config.host, () => resolve());
  });
  relay.start();
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ port, grpcPort: grpc.port }, "chatmgmt ready");
  return {
    port,
    grpcPort: grpc.port,
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
