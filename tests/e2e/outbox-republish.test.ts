import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { createEmbeddedStore } from "@chat/store/embedded";
import { describeOutboxRepublish } from "../support/outbox-republish";

describeOutboxRepublish("embedded store and event log", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "republish-"));
  const eventLog = createEmbeddedEventLog();
  return {
    eventLog,
    async openStore() {
      const store = createEmbeddedStore({ dataDir });
      await store.bootstrap();
      return store;
    },
    async cleanup() {
      await eventLog.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
