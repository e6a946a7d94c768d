import { timingSafeEqual, createHash } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

const HEADER = "authorization";

// Internal RPCs (PersistMessage, Deliver) take a shared service secret. Users' tokens are JWTs
// and can never equal it, so a user token is refused here.
export function serviceCredentialClient(secret: string): Interceptor {
  return (next) => (req) => {
    req.header.set(HEADER, `Service ${secret}`);
    return next(req);
  };
}

export function serviceCredentialServer(secret: string): Interceptor {
  const expected = digest(`Service ${secret}`);
  return (next) => (req) => {
    const got = req.header.get(HEADER) ?? "";
    if (!timingSafeEqual(digest(got), expected)) throw new ConnectError("service credential required", Code.Unauthenticated);
    return next(req);
  };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
