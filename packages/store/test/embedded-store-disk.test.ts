import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedStore } from "../src/embedded";
import { openLevel } from "../src/embedded/level-db";

// The embedded store's data directory: one owner at a time, and a format it does not know is
// refused rather than misread.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-store-disk-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("a second store on a directory another one holds open is refused with store_locked", async () => {
  const first = createEmbeddedStore({ dataDir: dir });
  await first.bootstrap();
  await first.allocateSeq("c1");
  // Another process, as a second all-in-one on the same CHAT_STORE_DATA_DIR would be.
  const script = `import { createEmbeddedStore } from ${JSON.stringify(join(import.meta.dirname, "../src/embedded/index.ts"))};
    try { await createEmbeddedStore({ dataDir: ${JSON.stringify(dir)} }).bootstrap(); console.log("opened"); }
    catch (e) { console.log(e.code, e.message); }`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  expect(r.stdout).toMatch(/^store_locked .*open in another process/);
  // The first store is unaffected.
  expect(await first.allocateSeq("c1")).toBe(2n);
  await first.close();
}, 30_000);

test("data of an unknown format is refused, not misread", async () => {
  const db = await openLevel(dir, { cacheMb: 1 });
  await db.put("!format", Buffer.from("99"));
  await db.close();
  const store = createEmbeddedStore({ dataDir: dir });
  await expect(store.bootstrap()).rejects.toMatchObject({ code: "store_format" });
  await store.close();
});

test("a store is usable only after bootstrap, and not after close", async () => {
  const store = createEmbeddedStore({ dataDir: dir });
  await expect(store.currentSeq("c1")).rejects.toThrow(/bootstrap/);
  await store.bootstrap();
  await store.close();
  await expect(store.currentSeq("c1")).rejects.toThrow(/bootstrap/);
});
