import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { startAllInOne, type AllInOne, type AllInOneRuntime } from "@chat/all-in-one";
import { ChatKind, ChatMgmtService } from "@chat/proto";
import { WsClient } from "./ws-client";

export interface Harness {
  app: AllInOne;
  dataDir: string;
  wsUrl: string;
  apiUrl: string;
  // A token from the dev issuer's HTTP endpoint, as a person would get one.
  token(user: string): Promise<string>;
  connect(user: string): Promise<WsClient>;
  // Connect protocol (JSON over HTTP/1.1) on the REST port.
  api(user: string): Promise<Client<typeof ChatMgmtService>>;
  // gRPC over HTTP/2 on the gRPC port.
  grpc(user: string): Promise<Client<typeof ChatMgmtService>>;
  createGroup(owner: string, members: string[], title?: string): Promise<string>;
  stop(): Promise<void>;
}

// Starts the whole all-in-one system on ephemeral ports with a fresh data directory.
export async function startHarness(overrides: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), "chat-e2e-")), runtime: AllInOneRuntime = {}): Promise<Harness> {
  const app = await startAllInOne(
    {
      CHAT_GATEWAY_PORT: "0",
      CHAT_CHATMGMT_PORT: "0",
      CHAT_CHATMGMT_GRPC_PORT: "0",
      CHAT_DEV_ISSUER_PORT: "0",
      CHAT_STORE_DATA_DIR: join(dataDir, "store"),
      CHAT_LOG_LEVEL: "warn",
      ...overrides,
    },
    {},
    runtime,
  );
  const wsUrl = `ws://127.0.0.1:${app.gateway.port}/ws/v1`;
  const apiUrl = `http://127.0.0.1:${app.chatmgmt.port}`;
  const tokens = new Map<string, string>();
  const token = async (user: string) => {
    let t = tokens.get(user);
    if (!t) {
      const res = await fetch(`${app.issuer}/dev/token`, { method: "POST", body: JSON.stringify({ sub: user }) });
      if (!res.ok) throw new Error(`dev token: ${res.status}`);
      t = ((await res.json()) as { access_token: string }).access_token;
      tokens.set(user, t);
    }
    return t;
  };
  const bearer = async (user: string): Promise<Interceptor> => {
    const t = await token(user);
    return (next) => (req) => {
      req.header.set("authorization", `Bearer ${t}`);
      return next(req);
    };
  };
  const api = async (user: string) => createClient(ChatMgmtService, createConnectTransport({ baseUrl: apiUrl, httpVersion: "1.1", interceptors: [await bearer(user)] }));
  const grpc = async (user: string) =>
    createClient(ChatMgmtService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${app.chatmgmt.grpcPort}`, interceptors: [await bearer(user)] }));
  return {
    app,
    dataDir,
    wsUrl,
    apiUrl,
    token,
    api,
    grpc,
    connect: async (user) => WsClient.connect(wsUrl, await token(user)),
    async createGroup(owner, members, title = "team") {
      const res = await (await api(owner)).createChat({ kind: ChatKind.GROUP, title, memberIds: members });
      return res.chat!.chatId;
    },
    stop: () => app.stop(),
  };
}
