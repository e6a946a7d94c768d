import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { loadConfig, type Config } from "@chat/config";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { startGateway, type RunningGateway } from "@chat/gateway";
import { createOidcVerifier } from "@chat/identity";
import { startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";
import { startIngest, type RunningIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry, type Logger, type Registry } from "@chat/observability";
import type { Presence } from "@chat/presence";
import { createEmbeddedPresence } from "@chat/presence/embedded";
import { ChatKind, ChatSchema, MemberRole, MemberSchema } from "@chat/proto";
import { GrpcRpcHost, type RpcHost } from "@chat/rpc";
import type { Store } from "@chat/store";
import { createEmbeddedStore } from "@chat/store/embedded";
import { WsClient } from "./ws-client";

export const SECRET = "gateway-harness-secret-0123456789";

export interface GatewayHarness {
  config: Config;
  gateway: RunningGateway;
  store: Store;
  presence: Presence;
  issuer: DevIssuer;
  metrics: Registry;
  // Lines the gateway logged at warn or above (pino JSON objects).
  warnings: Array<Record<string, unknown>>;
  wsUrl: string;
  httpUrl: string;
  token(user: string): Promise<string>;
  connect(user: string): Promise<WsClient>;
  // A group chat written straight to the store (no chatmgmt here).
  createGroup(members: string[]): Promise<string>;
  stop(): Promise<void>;
}

// One gateway as its own process would run it (gRPC on a real port, the service credential),
// with adapters the test can wrap to inject faults: presence, and the ingest it dials (a real
// ingest by default, or any address, e.g. a stalled or closed port).
export async function startGatewayHarness(
  // rpc: how the gateway reaches ingest and serves Deliver (default gRPC; an InProcessRpcHost
  // makes them direct calls as in the all-in-one).
  opts: { overrides?: Record<string, string>; presence?: Presence; ingestAddress?: string; rpc?: RpcHost } = {},
): Promise<GatewayHarness> {
  const dir = mkdtempSync(join(tmpdir(), "chat-gw-"));
  const config = loadConfig(
    {},
    { CHAT_GATEWAY_PORT: "0", CHAT_GATEWAY_GRPC_PORT: "0", CHAT_INGEST_GRPC_PORT: "0", CHAT_SERVICE_SECRET: SECRET, CHAT_LOG_LEVEL: "warn", CHAT_STORE_DATA_DIR: join(dir, "store"), ...opts.overrides },
  );
  const issuer = await startDevIssuer({ host: "127.0.0.1", port: 0, audience: config.identity.audience, keyPath: join(dir, "key.json") });
  const store = createEmbeddedStore({ dataDir: join(dir, "store") });
  await store.bootstrap();
  const presence = opts.presence ?? createEmbeddedPresence();
  const metrics = createMetricsRegistry("gateway-test", false);
  const rpc = opts.rpc ?? new GrpcRpcHost("127.0.0.1", SECRET);
  let ingest: RunningIngest | undefined;
  if (!opts.ingestAddress) {
    ingest = await startIngest(config, { store, eventLog: createEmbeddedEventLog(), rpc, logger: createLogger("ingest", "silent"), metrics });
  }
  const warnings: Array<Record<string, unknown>> = [];
  const gateway = await startGateway(config, {
    store,
    presence,
    verifier: await createOidcVerifier({ issuer: issuer.issuer, audience: config.identity.audience, algorithms: config.identity.algorithms, allowHttp: true }),
    rpc,
    ingestAddress: opts.ingestAddress ?? ingest!.address,
    logger: capturingLogger(warnings),
    metrics,
  });
  const tokens = new Map<string, string>();
  const token = async (user: string) => {
    if (!tokens.has(user)) tokens.set(user, await issuer.mintAccessToken(user));
    return tokens.get(user)!;
  };
  const wsUrl = `ws://127.0.0.1:${gateway.port}/ws/v1`;
  return {
    config,
    gateway,
    store,
    presence,
    issuer,
    metrics,
    warnings,
    wsUrl,
    httpUrl: `http://127.0.0.1:${gateway.port}`,
    token,
    connect: async (user) => WsClient.connect(wsUrl, await token(user)),
    async createGroup(members) {
      const chatId = `c_${Math.random().toString(36).slice(2)}`;
      const now = timestampFromDate(new Date());
      const chat = create(ChatSchema, { chatId, kind: ChatKind.GROUP, title: "t", createdBy: members[0], createdAt: now });
      const rows = members.map((userId, i) => create(MemberSchema, { chatId, userId, role: i === 0 ? MemberRole.ADMIN : MemberRole.MEMBER, joinedAt: now }));
      await store.createChat(chat, rows, []);
      return chatId;
    },
    async stop() {
      await gateway.stop();
      await ingest?.stop();
      await presence.close();
      await store.close();
      await issuer.close();
    },
  };
}

// A logger that records warn/error lines (the health-change log is asserted on) and drops the rest.
function capturingLogger(sink: Array<Record<string, unknown>>): Logger {
  const make = (bindings: Record<string, unknown>): unknown => {
    const at = (level: string) => (obj: unknown, msg?: string) => {
      const fields = typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>) : { msg: obj };
      sink.push({ ...bindings, ...fields, level, msg: msg ?? fields.msg });
    };
    const ignore = () => undefined;
    return { warn: at("warn"), error: at("error"), fatal: at("fatal"), info: ignore, debug: ignore, trace: ignore, isLevelEnabled: (level: string) => ["warn", "error", "fatal"].includes(level), child: (b: Record<string, unknown>) => make({ ...bindings, ...b }) };
  };
  return make({}) as Logger;
}
