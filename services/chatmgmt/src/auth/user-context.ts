import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { ChatError } from "@chat/domain";
import type { Identity, TokenVerifier } from "@chat/identity";

export const callerKey = createContextKey<Identity | undefined>(undefined, { description: "verified caller" });

// Every chat-management call acts as the user of its bearer token.
export function userAuthInterceptor(verifier: TokenVerifier): Interceptor {
  return (next) => async (req) => {
    const header = req.header.get("authorization") ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new ChatError("unauthenticated", "Authorization: Bearer <access token> is required");
    req.contextValues.set(callerKey, await verifier.verify(m[1]));
    return next(req);
  };
}
