import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreContract, reopenableStore } from "../src/contract";
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
  return reopenableStore(open, () => rm(dataDir, { recursive: true, force: true }));
});
