import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDBFactory } from "fake-indexeddb";
import { FileOutboxStorage } from "../src/node/file-outbox-storage";
import { MemoryOutboxStorage, type OutboxEntry, type OutboxStorage } from "../src/outbox/outbox-storage";
import { IndexedDbOutboxStorage, type IdbFactory } from "../src/storage/indexeddb-outbox-storage";

const entry = (chatId: string, id: string, createdAt: number): OutboxEntry => ({ chatId, clientMessageId: id, body: `body ${id}`, contentType: "text/plain", createdAt });

// The same contract for every storage; `reopen` gives a second instance over the same data
// (a restarted app), which the memory storage cannot offer.
const storages: Array<[string, () => { store: OutboxStorage; reopen?: () => OutboxStorage }]> = [
  ["memory", () => ({ store: new MemoryOutboxStorage() })],
  [
    "file",
    () => {
      const path = join(mkdtempSync(join(tmpdir(), "outbox-")), "dir", "outbox.json");
      return { store: new FileOutboxStorage(path), reopen: () => new FileOutboxStorage(path) };
    },
  ],
  [
    // fake-indexeddb is a complete IndexedDB implementation in JS (the browser itself is covered
    // by the web page's Chromium test).
    "indexeddb",
    () => {
      const factory = new IDBFactory() as unknown as IdbFactory;
      return { store: new IndexedDbOutboxStorage("t", factory), reopen: () => new IndexedDbOutboxStorage("t", factory) };
    },
  ],
];

describe.each(storages)("%s outbox storage", (_name, make) => {
  test("put, overwrite by (chat, clientMessageId), remove, load", async () => {
    const { store, reopen } = make();
    expect(await store.load()).toEqual([]);
    await store.put(entry("c1", "m1", 1));
    await store.put(entry("c1", "m2", 2));
    await store.put(entry("c2", "m1", 3));
    await store.put({ ...entry("c1", "m1", 1), body: "changed" });
    await store.remove("c1", "m2");
    await store.remove("c9", "nothing");
    const sorted = (xs: OutboxEntry[]) => [...xs].sort((a, b) => a.createdAt - b.createdAt);
    expect(sorted(await store.load())).toEqual([{ ...entry("c1", "m1", 1), body: "changed" }, entry("c2", "m1", 3)]);
    if (reopen) expect(sorted(await reopen().load())).toEqual(sorted(await store.load()));
  });

  test("concurrent writes all land", async () => {
    const { store, reopen } = make();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(entry("c", `m${i}`, i))));
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.remove("c", `m${i * 2}`)));
    expect((await (reopen ?? (() => store))().load()).map((e) => e.clientMessageId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i * 2 + 1}`).sort());
  });
});

test("the file storage writes 0600 and refuses a file that is not an outbox", async () => {
  const dir = mkdtempSync(join(tmpdir(), "outbox-"));
  const path = join(dir, "outbox.json");
  await new FileOutboxStorage(path).put(entry("c", "m", 1));
  expect(JSON.parse(readFileSync(path, "utf8"))).toHaveLength(1);
  const { statSync } = await import("node:fs");
  expect(statSync(path).mode & 0o777).toBe(0o600);
  writeFileSync(join(dir, "bad.json"), "{not json");
  await expect(new FileOutboxStorage(join(dir, "bad.json")).load()).rejects.toThrow();
});
