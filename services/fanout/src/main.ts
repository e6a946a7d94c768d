import { GrpcRpcHost } from "@chat/rpc";
import { createEventLog, createPresence, createStore, runService, startOpsServer } from "@chat/wiring";
import { startFanout } from "./index";

await runService("fanout", async ({ config, logger, metrics }) => {
  const [store, eventLog, presence] = await Promise.all([createStore(config, logger), createEventLog(config, logger), createPresence(config, logger)]);
  const fanout = await startFanout(config, { store, eventLog, presence, rpc: new GrpcRpcHost(config.host, config.serviceSecret), logger, metrics });
  const ops = await startOpsServer({
    host: config.host,
    port: config.fanout.httpPort,
    metrics,
    ready: async () => {
      await Promise.all([store.ping(), presence.ping()]);
      return { ready: true, details: { assignment: fanout.subscription.assignment() } };
    },
  });
  return {
    async stop() {
      // Finish the in-flight batch and commit before leaving the group.
      await fanout.stop();
      await ops.close();
      await Promise.all([eventLog.close(), store.close(), presence.close()]);
    },
  };
});
