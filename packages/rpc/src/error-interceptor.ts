import type { Interceptor } from "@connectrpc/connect";
import { toConnectError } from "./error-mapping";

// Handlers throw ChatError; this turns it into a ConnectError with the matching status code
// and the stable code in a trailer.
export const chatErrorsToConnect: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (e) {
    throw toConnectError(e);
  }
};
