import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

// The web page's static build (packages/web, `vite build`), served at /app/ on the chat
// management port, so the page and the REST API share an origin (no CORS).
export const WEB_PATH = "/app/";
// Where the build is looked for when CHAT_WEB_DIR is unset, first found wins: a `web` directory
// next to the running file (a bundle shipped with its page) and packages/web/dist, seen from the
// sources or from dist/all-in-one.mjs (`make dev` runs the bundle). When none holds a build,
// /app/ says how to make one.
export const WEB_DIST_CANDIDATES = [new URL("./web", import.meta.url), new URL("../packages/web/dist", import.meta.url), new URL("../../web/dist", import.meta.url)].map((u) => fileURLToPath(u));

export function defaultWebDir(): string {
  return WEB_DIST_CANDIDATES.find((d) => hasWebBuild(d)) ?? WEB_DIST_CANDIDATES[WEB_DIST_CANDIDATES.length - 1];
}

export function hasWebBuild(dir: string): boolean {
  return existsSync(join(dir, "index.html"));
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export interface WebAppOptions {
  dist?: string;
  // config.json for the page, per request (the WebSocket URL uses the host the browser used).
  config(req: IncomingMessage): unknown;
}

export function webAppRoutes(o: WebAppOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const dist = resolve(o.dist ?? defaultWebDir());
  return (req, res) => {
    const path = decodeURIComponentSafe((req.url ?? "/").split("?")[0]);
    if (path === "/" || path === "/app") {
      res.writeHead(302, { location: WEB_PATH });
      res.end();
      return true;
    }
    if (path === undefined || !path.startsWith(WEB_PATH)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return true;
    }
    if (path === `${WEB_PATH}config.json`) {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(o.config(req)));
      return true;
    }
    const rel = path.slice(WEB_PATH.length) || "index.html";
    const file = normalize(join(dist, rel));
    // normalize() resolves "..": anything that lands outside dist is not ours to serve.
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (!existsSync(join(dist, "index.html"))) return notBuilt(res);
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return true;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      // Vite fingerprints everything under assets/; index.html must always be fresh.
      "cache-control": rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}

function notBuilt(res: ServerResponse): true {
  res.writeHead(503, { "content-type": "text/plain" });
  res.end("The web page is not built. Run: make web (make dev builds it too).");
  return true;
}

function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
