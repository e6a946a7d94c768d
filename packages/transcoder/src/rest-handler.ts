import type { IncomingMessage, ServerResponse } from "node:http";
import { fromJson, toJson, type DescService, type JsonValue } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import { ChatError, assertDecimalInt64, isChatError } from "@chat/domain";
import { HTTP_STATUS, fromConnectError, readBody } from "@chat/rpc";
import { httpBindings, type HttpBinding } from "./http-rules";
import { matchPath } from "./path-template";
import { buildRequestJson } from "./request-mapping";

export interface RestOptions {
  services: Array<{ service: DescService; transport: Transport }>;
  maxBodyBytes: number;
  // Headers passed to the RPC (Authorization, client address for rate limits).
  forwardHeaders(req: IncomingMessage): Headers;
}

type Invoke = (input: unknown, opts: { headers: Headers }) => Promise<unknown>;

// Generic HTTP/JSON → RPC transcoding from google.api.http annotations: no route table. Each
// request becomes a call of the same service implementation (through its interceptors) over
// an in-process transport; responses and errors use the proto JSON mapping and the
// {code, message, details} error body.
export function createRestHandler(opts: RestOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const routes: Array<{ binding: HttpBinding; invoke: Invoke }> = [];
  for (const { service, transport } of opts.services) {
    const client = createClient(service, transport) as unknown as Record<string, Invoke>;
    for (const binding of httpBindings(service)) routes.push({ binding, invoke: client[binding.method.localName].bind(client) });
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://rest");
    const candidates = routes.map((r) => ({ r, vars: matchPath(r.binding.path, url.pathname) })).filter((c) => c.vars);
    if (candidates.length === 0) return false;
    const hit = candidates.find((c) => c.r.binding.verb === req.method);
    if (!hit) {
      res.setHeader("allow", [...new Set(candidates.map((c) => c.r.binding.verb))].join(", "));
      send(res, 405, { code: "invalid_argument", message: `${req.method} is not allowed on ${url.pathname}`, details: {} });
      return true;
    }
    try {
      const { binding, invoke } = hit.r;
      const body = binding.body === "" ? undefined : await readJsonBody(req, opts.maxBodyBytes);
      const json = buildRequestJson(binding.method.input, { pathVars: hit.vars!, query: url.searchParams, body, bodyField: binding.body });
      assertDecimalInt64(binding.method.input, json);
      let input;
      try {
        input = fromJson(binding.method.input, json);
      } catch (e) {
        throw new ChatError("invalid_argument", e instanceof Error ? e.message : "request does not match its schema");
      }
      const output = await invoke(input, { headers: opts.forwardHeaders(req) });
      send(res, 200, toJson(binding.method.output, output as never));
    } catch (e) {
      const err = isChatError(e) ? e : fromConnectError(e);
      if (err.retryAfterMs !== undefined) res.setHeader("retry-after", String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
      send(res, HTTP_STATUS[err.code], { code: err.code, message: err.message, details: err.details });
    }
    return true;
  };
}

async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonValue | undefined> {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  // The limit holds after decompression (Content-Encoding gzip, deflate, br).
  const body = await readBody(req, limit);
  if (body.length === 0) return undefined;
  if (type !== "" && type !== "application/json") throw new ChatError("invalid_argument", "content-type must be application/json");
  try {
    return JSON.parse(body.toString("utf8")) as JsonValue;
  } catch {
    throw new ChatError("invalid_argument", "request body is not valid JSON");
  }
}

// Every answer of the HTTP port is the JSON error body, unknown paths included.
export function sendNotFound(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? "/", "http://rest").pathname;
  send(res, 404, { code: "not_found", message: `no route ${req.method ?? "GET"} ${path.slice(0, 200)}`, details: {} });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
