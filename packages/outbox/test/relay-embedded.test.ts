import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { createEmbeddedStore } from "@chat/store/embedded";
import { describeRelayScenarios } from "./support/relay-scenarios";

describeRelayScenarios("the embedded store and event log", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "relay-"));
  const store = createEmbeddedStore({ dataDir });
  await store.bootstrap();
  const eventLog = createEmbeddedEventLog();
  return {
    store,
    eventLog,
    async cleanup() {
      await eventLog.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
