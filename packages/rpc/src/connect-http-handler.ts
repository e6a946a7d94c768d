import type { IncomingMessage, ServerResponse } from "node:http";
import { fromBinary, fromJson, type DescMethod, type JsonValue } from "@bufbuild/protobuf";
import { createConnectRouter, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { ChatError, assertDecimalInt64, isChatError } from "@chat/domain";
import { HTTP_STATUS, toConnectError } from "./error-mapping";
import { readBody } from "./http-body";
import type { RegisterRoutes } from "./transports";

export interface ConnectHttpOptions {
  routes: RegisterRoutes;
  interceptors: Interceptor[];
  contextValues?(req: IncomingMessage): ContextValues;
  // Limit of a request body after decompression.
  maxRequestBytes: number;
  // Requests for no known procedure.
  fallback(req: IncomingMessage, res: ServerResponse): void;
}

// The Connect protocol (unary JSON and binary over HTTP/1.1) with the request checked before
// Connect sees it, so bad input gets our error and not Connect's defaults:
// - the body limit holds after decompression (Connect would inflate gzip up to 4 GiB);
// - a binary body that is not the request message is invalid_argument (Connect: internal / 500);
// - 64-bit integers only in decimal (the protobuf runtime also takes "0x2");
// - unknown JSON fields are refused (Connect ignores them by default), as on REST and WebSocket.
// The checked bytes are then handed to the Connect handler as an uncompressed body.
export function createConnectHttpHandler(opts: ConnectHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const router = createConnectRouter({
    interceptors: opts.interceptors,
    readMaxBytes: opts.maxRequestBytes,
    jsonOptions: { ignoreUnknownFields: false },
  });
  opts.routes(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));

  return (req, res) => {
    const handler = handlers.get((req.url ?? "").split("?", 1)[0]);
    if (!handler) return opts.fallback(req, res);
    void (async () => {
      let uReq = universalRequestFromNodeRequest(req, res, undefined, opts.contextValues?.(req));
      const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      if (req.method === "POST" && (type === "application/json" || type === "application/proto")) {
        let body: Buffer;
        try {
          body = await readBody(req, opts.maxRequestBytes);
          checkUnaryBody(handler.method, type, body);
        } catch (e) {
          return sendError(res, isChatError(e) ? e : new ChatError("invalid_argument", "request body could not be read"));
        }
        const header = new Headers(uReq.header);
        header.delete("content-encoding");
        header.set("content-length", String(body.length));
        const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        uReq = {
          ...uReq,
          header,
          body: (async function* () {
            yield bytes;
          })(),
        };
      }
      await universalResponseToNodeResponse(await handler(uReq), res);
    })().catch(() => {
      // The client went away mid-response; nothing left to answer.
      if (!res.headersSent) res.destroy();
    });
  };
}

function checkUnaryBody(method: DescMethod, type: string, body: Buffer): void {
  if (type === "application/proto") {
    try {
      fromBinary(method.input, body);
    } catch {
      throw new ChatError("invalid_argument", `request body is not a valid ${method.input.typeName} in protobuf binary`);
    }
    return;
  }
  if (body.length === 0) return;
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ChatError("invalid_argument", "request body is not valid JSON");
  }
  assertDecimalInt64(method.input, json);
  try {
    // Unknown fields and wrong types, with our error code (Connect would parse it the same way).
    fromJson(method.input, json as JsonValue, { ignoreUnknownFields: false });
  } catch (e) {
    throw new ChatError("invalid_argument", e instanceof Error ? e.message : "request does not match its schema");
  }
}

// Connect's unary error format ({code, message} with the Connect code name) plus our stable
// code in chat-error-code, with the HTTP status REST uses for the same code.
function sendError(res: ServerResponse, e: ChatError): void {
  const ce = toConnectError(e);
  const body = errorToJsonBytes(ce, {});
  const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(body.byteLength) };
  ce.metadata.forEach((v, k) => (headers[k] = v));
  if (e.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  res.writeHead(HTTP_STATUS[e.code], headers);
  res.end(body);
}
