import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { WsClient } from "../e2e/support/ws-client";
import { sendWithRetry } from "../support/send-with-retry";
import { Cluster, freePort, waitUntil } from "./support/cluster";

// The distributed services behind a TLS-terminating proxy, as behind the ALB: Debian's nginx
// with a self-signed certificate, configured from the very template compose uses
// (docker/nginx/chat.conf.template), routing /ws/* to the gateway and /api/v1/* to chatmgmt.
// Clients speak wss:// and https:// only and trust nothing but that certificate.

const ROOT = resolve(import.meta.dirname, "../..");
const cluster = new Cluster();
let dir: string;
let nginx: ChildProcess | undefined;
const nginxOutput: string[] = [];
let base: string;
let ca: Buffer;
const clients: WsClient[] = [];

interface Reply {
  status: number;
  body: string;
  json(): any;
}

// HTTPS that trusts only the proxy's certificate (fetch cannot take a CA without undici).
function https(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (body) headers["content-type"] = "application/json";
  return new Promise((resolvePromise, reject) => {
    const req = request(`${base}${path}`, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolvePromise({ status: res.statusCode!, body: text, json: () => JSON.parse(text) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function connect(user: string): Promise<WsClient> {
  const c = await WsClient.connect(`${base.replace("https:", "wss:")}/ws/v1`, await cluster.token(user), { ca });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  const install = spawnSync("bash", [join(ROOT, "scripts/infra/nginx.sh"), "install"], { encoding: "utf8" });
  if (install.status !== 0) throw new Error(`nginx install failed:\n${install.stderr}`);
  const nginxBin = install.stdout.trim().split("\n").pop()!;

  await cluster.start();
  const [ingestGrpc, ingestHttp, cmHttp, cmGrpc, faHttp, gw, gwGrpc, tlsPort] = await Promise.all(Array.from({ length: 8 }, freePort));
  await cluster.spawn("ingest", "ingest", { CHAT_INGEST_GRPC_PORT: String(ingestGrpc), CHAT_INGEST_HTTP_PORT: String(ingestHttp) }, ingestHttp);
  await cluster.spawn("chatmgmt", "chatmgmt", { CHAT_CHATMGMT_PORT: String(cmHttp), CHAT_CHATMGMT_GRPC_PORT: String(cmGrpc) }, cmHttp);
  await cluster.spawn("fanout", "fanout", { CHAT_FANOUT_HTTP_PORT: String(faHttp) }, faHttp);
  await cluster.spawn("gateway", "gateway", { CHAT_GATEWAY_ID: "gw-tls", CHAT_GATEWAY_PORT: String(gw), CHAT_GATEWAY_GRPC_PORT: String(gwGrpc), CHAT_INGEST_ADDRESS: `http://127.0.0.1:${ingestGrpc}` }, gw);

  dir = mkdtempSync(join(tmpdir(), "chat-tls-proxy-"));
  const tls = join(dir, "tls");
  const cert = spawnSync("bash", [join(ROOT, "scripts/tls/self-signed.sh"), tls], { encoding: "utf8" });
  if (cert.status !== 0) throw new Error(`certificate: ${cert.stderr}`);
  ca = readFileSync(join(tls, "cert.pem"));

  // Fill the template as the nginx image's entrypoint does for compose.
  const vars: Record<string, string> = { GATEWAY_UPSTREAM: `127.0.0.1:${gw}`, CHATMGMT_UPSTREAM: `127.0.0.1:${cmHttp}`, TLS_LISTEN: `127.0.0.1:${tlsPort}`, TLS_DIR: tls };
  const site = readFileSync(join(ROOT, "docker/nginx/chat.conf.template"), "utf8").replace(/\$\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
  writeFileSync(join(dir, "chat.conf"), site);
  const temp = join(dir, "temp");
  mkdirSync(temp, { mode: 0o777 });
  // The rest of what the image's /etc/nginx/nginx.conf provides, confined to this directory.
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      "daemon off;",
      "worker_processes 1;",
      `pid ${join(dir, "nginx.pid")};`,
      "error_log stderr warn;",
      "events { worker_connections 256; }",
      "http {",
      "  access_log off;",
      `  client_body_temp_path ${temp}/body;`,
      `  proxy_temp_path ${temp}/proxy;`,
      `  fastcgi_temp_path ${temp}/fastcgi;`,
      `  uwsgi_temp_path ${temp}/uwsgi;`,
      `  scgi_temp_path ${temp}/scgi;`,
      `  include ${join(dir, "chat.conf")};`,
      "}",
      "",
    ].join("\n"),
  );
  const check = spawnSync(nginxBin, ["-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`nginx -t:\n${check.stderr}`);
  nginx = spawn(nginxBin, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"], { stdio: ["ignore", "pipe", "pipe"] });
  nginx.stdout!.on("data", (d) => nginxOutput.push(String(d)));
  nginx.stderr!.on("data", (d) => nginxOutput.push(String(d)));
  base = `https://127.0.0.1:${tlsPort}`;
  await waitUntil(async () => {
    if (nginx!.exitCode !== null) throw new Error(`nginx exited ${nginx!.exitCode}:\n${nginxOutput.join("")}`);
    return https("GET", "/health").then((r) => r.status === 200, () => false);
  }, 30_000, "nginx to serve https");
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once("exit", r));
    nginx.kill("SIGQUIT"); // graceful: finish open connections, then exit
    await exited;
  }
  await cluster.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a client behind the TLS proxy creates a chat over https:// and chats over wss://", async () => {
  const created = await https("POST", "/api/v1/chats", { token: await cluster.token("alice"), body: { kind: "CHAT_KIND_GROUP", title: "tls", memberIds: ["bob"] } });
  expect(created.status).toBe(200);
  const chatId: string = created.json().chat.chatId;

  const alice = await connect("alice");
  const bob = await connect("bob");
  const ack = await sendWithRetry(alice, { chatId, clientMessageId: "tls-1", body: "through the proxy" });
  expect(ack.seq).toBe("1");
  const pushed = await bob.waitFor((f) => f.message?.chatId === chatId, 30_000);
  expect(pushed.message).toMatchObject({ seq: "1", senderId: "alice", body: "through the proxy" });

  const history = await https("GET", `/api/v1/chats/${chatId}/messages?after_seq=0&limit=10`, { token: await cluster.token("bob") });
  expect(history.status).toBe(200);
  expect(history.json().messages.map((m: { body: string }) => m.body)).toEqual(["through the proxy"]);
}, 90_000);

test("the proxy routes like the ALB: only WebSocket upgrades to /ws/, the REST API, its own /health, 404 elsewhere", async () => {
  expect((await https("GET", "/health")).json()).toEqual({ status: "ok" });
  // A plain request to /ws/ is not a WebSocket: not routed (ALB rule 1 needs the Upgrade header).
  expect((await https("GET", "/ws/v1")).status).toBe(404);
  const unknown = await https("GET", "/metrics");
  expect({ status: unknown.status, body: unknown.json() }).toEqual({ status: 404, body: { code: "not_found", message: "no route" } });
  // The REST API is chatmgmt's: its OpenAPI document and its auth errors come through.
  expect((await https("GET", "/api/v1/openapi.json")).json()).toHaveProperty("openapi");
  expect((await https("GET", "/api/v1/chats")).status).toBe(401);
});

test("nothing is served without TLS, and clients that do not trust the certificate are refused", async () => {
  const port = new URL(base).port;
  const plain = await fetch(`http://127.0.0.1:${port}/health`);
  expect(plain.status).toBe(400); // nginx: "plain HTTP request was sent to HTTPS port"
  await expect(WsClient.open(`wss://127.0.0.1:${port}/ws/v1`)).rejects.toThrow(/self[- ]signed/i);
});
