import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { ChatError, isChatError } from "@chat/domain";
import type { Identity, TokenVerifier } from "@chat/identity";
import type { Logger } from "@chat/observability";

export const callerKey = createContextKey<Identity | undefined>(undefined, { description: "verified caller" });

// Every chat-management call acts as the user of its bearer token. A refused token gets one
// generic answer: the verifier's reason (unknown kid, bad signature, wrong audience, ...) tells
// an attacker which keys and claims the server knows, so it goes to the debug log only.
// token_expired stays distinct: it tells a client to refresh, and reveals nothing.
export function userAuthInterceptor(verifier: TokenVerifier, logger: Logger): Interceptor {
  return (next) => async (req) => {
    const header = req.header.get("authorization") ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new ChatError("unauthenticated", "Authorization: Bearer <access token> is required");
    try {
      req.contextValues.set(callerKey, await verifier.verify(m[1]));
    } catch (e) {
      if (isChatError(e) && e.code === "unauthenticated") {
        logger.debug({ reason: e.details.reason ?? e.message, procedure: req.method.name }, "access token refused");
        throw new ChatError("unauthenticated", "access token is not valid");
      }
      throw e;
    }
    return next(req);
  };
}
