import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreContract } from "../src/contract";
import { createEmbeddedStore } from "../src/embedded";
import type { Store } from "../src/port";

// The embedded store against the shared contract; reopen opens the same LevelDB directory.
describeStoreContract("embedded", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "chat-store-contract-"));
  const open = async (): Promise<Store> => {
    const store = createEmbeddedStore({ dataDir });
    await store.bootstrap();
    return store;
  };
  const subject = {
    store: await open(),
    async reopen() {
      await subject.store.close();
      subject.store = await open();
      return subject.store;
    },
    async cleanup() {
      await subject.store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return subject;
});
