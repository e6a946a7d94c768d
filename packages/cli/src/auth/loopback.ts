import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackListener {
  redirectUri: string;
  // Resolves with the first request to /callback (the full URL, with code/state or error).
  callback: Promise<URL>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`;

// The CLI's redirect target (RFC 8252 §7.3): an HTTP server on 127.0.0.1, on an ephemeral port
// unless one is given. It answers the browser with a short page and hands the URL to login.
export async function startLoopbackListener(port = 0): Promise<LoopbackListener> {
  let resolve!: (u: URL) => void;
  const callback = new Promise<URL>((r) => (resolve = r));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1`);
    if (req.method !== "GET" || url.pathname !== "/callback") {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("not found");
    }
    const failed = url.searchParams.has("error");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", connection: "close" });
    res.end(failed ? PAGE("Login failed", "Return to the terminal for details.") : PAGE("Logged in", "You can close this tab and return to the terminal."));
    resolve(new URL(`${redirectUri}${url.search}`));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  return {
    redirectUri,
    callback,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
