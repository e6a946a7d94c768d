import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { healthBody, readyBody, renderMetrics, serveAsync, type Registry } from "@chat/observability";
import { SUBPROTOCOL_JSON, SUBPROTOCOL_PROTO } from "../protocol/frame-codec";

export interface GatewayHttp {
  port: number;
  wss: WebSocketServer;
  close(): Promise<void>;
}

export type Readiness = () => Promise<{ ready: boolean; checks: Record<string, string> }>;

// Refusal of an upgrade before any WebSocket work is done (per-IP caps).
export interface UpgradeRefusal {
  status: 429 | 503;
  code: string;
  message: string;
  retryAfterS: number;
}

// The client-facing listener: /ws/v1 upgrades, plus /health, /ready and /metrics.
export async function startGatewayHttp(opts: {
  host: string;
  port: number;
  maxFrameBytes: number;
  metrics: Registry;
  readiness: Readiness;
  // Decides on an upgrade before the handshake; undefined admits it.
  admit?(req: IncomingMessage): UpgradeRefusal | undefined;
  onConnection(ws: WebSocket, req: IncomingMessage): void;
  extraRoutes?(req: IncomingMessage, res: ServerResponse): boolean;
  // A request that failed unexpectedly (it got a 500).
  onError(err: unknown): void;
}): Promise<GatewayHttp> {
  // ws closes with 1009 when a frame exceeds maxPayload.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxFrameBytes,
    // Never on: pushed frames are written to the socket pre-framed (ClientConnection.write).
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL_PROTO) ? SUBPROTOCOL_PROTO : protocols.has(SUBPROTOCOL_JSON) ? SUBPROTOCOL_JSON : false),
  });
  wss.on("connection", opts.onConnection);

  const server: Server = createServer(serveAsync(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") return json(res, 200, healthBody());
    if (path === "/ready") {
      const r = await opts.readiness();
      return json(res, r.ready ? 200 : 503, readyBody(r.ready, r.checks));
    }
    if (path === "/metrics") {
      const m = await renderMetrics(opts.metrics);
      res.writeHead(m.status, { "content-type": m.contentType });
      return void res.end(m.body);
    }
    if (opts.extraRoutes?.(req, res)) return;
    json(res, 404, { code: "not_found", message: `no route for ${path}` });
  }, opts.onError));
  server.on("upgrade", (req, socket, head) => {
    if ((req.url ?? "").split("?")[0] !== "/ws/v1") {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    const refused = opts.admit?.(req);
    if (refused) {
      const body = JSON.stringify({ code: refused.code, message: refused.message });
      const reason = refused.status === 429 ? "Too Many Requests" : "Service Unavailable";
      socket.end(
        `HTTP/1.1 ${refused.status} ${reason}\r\nretry-after: ${refused.retryAfterS}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
