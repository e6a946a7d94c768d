import type { Interceptor } from "@connectrpc/connect";
import { isChatError } from "@chat/domain";
import { Counter, currentRequestId, REQUEST_ID_HEADER, requestIdFrom, withRequestId, type Logger, type Registry } from "@chat/observability";
import { callerKey } from "../auth/user-context";

// One debug line and one count per API call (REST, Connect or gRPC) with its request id,
// procedure and outcome; every other line logged during the call carries the same id (the
// logger's mixin). REST and Connect calls already run under the id the HTTP server chose and
// echoed; a gRPC call takes the client's x-request-id or a new one here and gets it back as a
// response header.
export function requestLogInterceptor(logger: Logger, metrics: Registry): Interceptor {
  const requests = new Counter({
    name: "chatmgmt_requests_total",
    help: "Chat API calls (REST, Connect, gRPC) by procedure and outcome (ok or the error code)",
    labelNames: ["procedure", "code"],
    registers: [metrics],
  });
  return (next) => async (req) => {
    const inherited = currentRequestId();
    const requestId = inherited ?? requestIdFrom(req.header.get(REQUEST_ID_HEADER));
    const started = performance.now();
    const done = (code: string) => {
      requests.inc({ procedure: req.method.name, code });
      logger.debug({ requestId, procedure: req.method.name, userId: req.contextValues.get(callerKey)?.userId, code, ms: Math.round(performance.now() - started) }, "api request");
    };
    const call = async () => {
      try {
        const res = await next(req);
        if (!inherited) res.header.set(REQUEST_ID_HEADER, requestId);
        done("ok");
        return res;
      } catch (e) {
        done(isChatError(e) ? e.code : "internal");
        throw e;
      }
    };
    return inherited ? call() : withRequestId(requestId, call);
  };
}
