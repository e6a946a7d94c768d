import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type HandlerContext, type ServiceImpl, type Transport } from "@connectrpc/connect";
import type { ChatError } from "@chat/domain";
import { ERROR_CODE_TRAILER, fromConnectError } from "../error-mapping";
import type { RegisterRoutes } from "../transports";
import type { CallOptions, InternalApi } from "./internal-api";
import { CallNotAnswered } from "./not-answered";

type AnyMethod = (req: unknown, opts: CallOptions) => Promise<unknown>;

// The callee side over the network: each RPC becomes a call of the port, the gRPC deadline
// (grpc-timeout) its deadlineAtMs and the traceparent/tracestate headers its trace context.
export function connectRoutes<S extends DescService>(service: S, api: InternalApi<S>): RegisterRoutes {
  const impl: Record<string, (req: unknown, ctx: HandlerContext) => Promise<unknown>> = {};
  for (const name of unaryMethods(service)) {
    const method = (api as unknown as Record<string, AnyMethod>)[name].bind(api);
    impl[name] = (req, ctx) => {
      const timeoutMs = ctx.timeoutMs();
      return method(req, { deadlineAtMs: timeoutMs === undefined ? undefined : Date.now() + timeoutMs, trace: traceOf(ctx.requestHeader) });
    };
  }
  return (router) => router.service(service, impl as unknown as ServiceImpl<S>);
}

// The caller side over the network: a Connect client (gRPC transport) behind the port. Errors
// the callee raised come back as its ChatError; everything else as CallNotAnswered.
export function connectApi<S extends DescService>(service: S, transport: Transport): InternalApi<S> {
  const client = createClient(service, transport) as unknown as Record<string, (req: unknown, o: { timeoutMs?: number; headers?: Record<string, string> }) => Promise<unknown>>;
  const api: Record<string, AnyMethod> = {};
  for (const name of unaryMethods(service)) {
    const call = client[name];
    api[name] = async (req, opts) => {
      const timeoutMs = opts.deadlineAtMs === undefined ? undefined : opts.deadlineAtMs - Date.now();
      // Not sent at all: connect-node's gRPC transport would still make a call with no time left.
      if (timeoutMs !== undefined && timeoutMs <= 0) throw new CallNotAnswered("timeout", "the deadline passed before the call");
      try {
        return await call(req, { timeoutMs, headers: opts.trace });
      } catch (e) {
        throw callError(e);
      }
    };
  }
  return api as unknown as InternalApi<S>;
}

// Only errors that carry the chat error code trailer were raised by the callee's handlers
// (toConnectError puts it on every ChatError); the rest come from the transport or a crash.
export function callError(e: unknown): ChatError {
  const err = fromConnectError(e);
  if (e instanceof ConnectError && e.metadata.has(ERROR_CODE_TRAILER)) return err;
  if (e instanceof ConnectError && e.code === Code.DeadlineExceeded) return new CallNotAnswered("timeout", err.message, e);
  if (err.code === "unavailable" || isNetworkError(e)) return new CallNotAnswered("unreachable", err.message, e);
  if (err.code === "internal") return new CallNotAnswered("failed", err.message, e);
  // E.g. the callee's credential check refusing ours: an answer, if not from its handler.
  return err;
}

// connect-node reports a refused or reset connection as `internal` (or `unavailable`) with the
// socket's system error somewhere in the cause chain.
function isNetworkError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === "object" && depth < 6; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if ((cur as { syscall?: unknown }).syscall !== undefined) return true;
    if (typeof code === "string" && /^(ECONN|EHOST|ENET|ENOTFOUND|EAI_|EPIPE|ERR_HTTP2_(STREAM|SESSION|GOAWAY|INVALID_SESSION))/.test(code)) return true;
  }
  return false;
}

function traceOf(headers: Headers): Record<string, string> | undefined {
  const traceparent = headers.get("traceparent");
  if (traceparent === null) return undefined;
  const tracestate = headers.get("tracestate");
  return tracestate === null ? { traceparent } : { traceparent, tracestate };
}

// Internal services are unary only; a streaming method would need a port of another shape.
export function unaryMethods(service: DescService): string[] {
  return service.methods.map((m) => {
    if (m.methodKind !== "unary") throw new Error(`${service.typeName}.${m.name} is ${m.methodKind}: internal ports carry unary methods only`);
    return m.localName;
  });
}
