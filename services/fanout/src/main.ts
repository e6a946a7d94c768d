import { createServer } from "node:http";
import { GrpcRpcHost } from "@chat/rpc";
import { createEventLog, createPresence, createStore, runService } from "@chat/wiring";
import { startFanout } from "./index";

await runService("fanout", async ({ config, logger, metrics }) => {
  const [store, eventLog, presence] = await Promise.all([createStore(config, logger), createEventLog(config, logger), createPresence(config, logger)]);
  const fanout = await startFanout(config, { store, eventLog, presence, rpc: new GrpcRpcHost(config.host, config.serviceSecret), logger, metrics });
  // Fanout serves no RPC: this small listener is for probes and Prometheus.
  const http = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": metrics.contentType });
      return void res.end(await metrics.metrics());
    }
    if (path === "/health" || path === "/ready") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ status: "ok", assignment: fanout.subscription.assignment() }));
    }
    res.writeHead(404).end();
  }).listen(config.fanout.httpPort, config.host);
  return {
    async stop() {
      await fanout.stop();
      http.close();
      await Promise.all([eventLog.close(), store.close(), presence.close()]);
    },
  };
});
