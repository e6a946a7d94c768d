import { GrpcRpcHost } from "@chat/rpc";
import { createEventLog, createStore, runService, startOpsServer } from "@chat/wiring";
import { startIngest } from "./index";

await runService("ingest", async ({ config, logger, metrics }) => {
  const [store, eventLog] = await Promise.all([createStore(config, logger), createEventLog(config, logger)]);
  const ingest = await startIngest(config, { store, eventLog, rpc: new GrpcRpcHost(config.host, config.serviceSecret), logger, metrics });
  const ops = await startOpsServer({
    host: config.host,
    port: config.ingest.httpPort,
    metrics,
    ready: async () => {
      await store.ping();
      return { ready: true };
    },
  });
  return {
    async stop() {
      await ingest.stop();
      await ops.close();
      await Promise.all([eventLog.close(), store.close()]);
    },
  };
});
