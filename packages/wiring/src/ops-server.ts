import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { healthBody, readyBody, renderMetrics, serveAsync, type Registry } from "@chat/observability";

// /health (live), /ready (dependencies) and /metrics for services that have no HTTP port of
// their own (ingest, fanout).
export async function startOpsServer(opts: {
  host: string;
  port: number;
  metrics: Registry;
  // One entry per dependency (see probes.ts); details go alongside (e.g. fanout's assignment).
  ready(): Promise<{ ready: boolean; checks: Record<string, string>; details?: Record<string, unknown> }>;
  // A request that failed unexpectedly (it got a 500).
  onError(err: unknown): void;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer(serveAsync(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      const m = await renderMetrics(opts.metrics);
      res.writeHead(m.status, { "content-type": m.contentType });
      return void res.end(m.body);
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/health") return send(200, healthBody());
    if (path === "/ready") {
      const r = await opts.ready().catch(() => ({ ready: false, checks: { readiness: "failed" }, details: undefined }));
      return send(r.ready ? 200 : 503, { ...readyBody(r.ready, r.checks), ...r.details });
    }
    send(404, { code: "not_found", message: `no route for ${path}` });
  }, opts.onError));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
