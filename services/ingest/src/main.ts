import { GrpcRpcHost } from "@chat/rpc";
import { createEventLog, createStore, runService } from "@chat/wiring";
import { startIngest } from "./index";

await runService("ingest", async ({ config, logger, metrics }) => {
  const [store, eventLog] = await Promise.all([createStore(config, logger), createEventLog(config, logger)]);
  const ingest = await startIngest(config, { store, eventLog, rpc: new GrpcRpcHost(config.host, config.serviceSecret), logger, metrics });
  return {
    async stop() {
      await ingest.stop();
      await Promise.all([eventLog.close(), store.close()]);
    },
  };
});
