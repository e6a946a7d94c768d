import { createEventLog, createStore, createVerifier, runService } from "@chat/wiring";
import { startChatMgmt } from "./index";

await runService("chatmgmt", async ({ config, logger, metrics }) => {
  const [store, eventLog, verifier] = await Promise.all([createStore(config, logger), createEventLog(config, logger), createVerifier(config)]);
  const chatmgmt = await startChatMgmt(config, { store, eventLog, verifier, logger, metrics });
  return {
    async stop() {
      await chatmgmt.stop();
      await Promise.all([eventLog.close(), store.close()]);
    },
  };
});
