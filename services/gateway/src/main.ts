import { GrpcRpcHost } from "@chat/rpc";
import { createPresence, createStore, createVerifier, runService } from "@chat/wiring";
import { startGateway } from "./index";

await runService("gateway", async ({ config, logger, metrics }) => {
  const [store, presence, verifier] = await Promise.all([createStore(config, logger), createPresence(config, logger), createVerifier(config)]);
  const gateway = await startGateway(config, {
    store,
    presence,
    verifier,
    rpc: new GrpcRpcHost(config.host, config.serviceSecret),
    ingestAddress: config.ingest.address,
    logger,
    metrics,
  });
  return {
    async stop() {
      await gateway.stop();
      await Promise.all([store.close(), presence.close()]);
    },
  };
});
