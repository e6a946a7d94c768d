import type { IncomingMessage, ServerResponse } from "node:http";

type AsyncHandler = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

// node:http ignores the promise a request listener returns: a rejection there would be unhandled
// and end the process. This answers 500 (when nothing was sent yet) and reports the error instead.
export function serveAsync(handler: AsyncHandler, onError: (err: unknown) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "internal", message: "internal error" }));
    });
  };
}
