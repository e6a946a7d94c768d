import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GroupCommit, StoreFailedError } from "../src/embedded/group-commit";
import { openLevel, type LevelDb } from "../src/embedded/level-db";

// Group commit on a real LevelDB: writes staged together share one synced batch, are visible
// at once to get(), and a failed batch fails its writers and every later write.

let dir: string;
let db: LevelDb;
let batches: number;
let synced: boolean[];
// Per batch written: when, and how many writes.
let written: Array<{ at: number; size: number }>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-group-commit-"));
  db = await openLevel(dir, { cacheMb: 1 });
  batches = 0;
  synced = [];
  written = [];
  // Counts the batches and their sync option as LevelDB receives them.
  const batch = db.batch.bind(db) as () => ReturnType<LevelDb["batch"]>;
  (db as unknown as { batch: () => unknown }).batch = () => {
    batches++;
    const b = batch();
    const write = b.write.bind(b);
    b.write = ((opts: { sync?: boolean }) => {
      synced.push(opts?.sync === true);
      written.push({ at: Date.now(), size: b.length });
      return write(opts);
    }) as typeof b.write;
    return b;
  };
});
afterEach(async () => {
  if (db.status === "open") await db.close();
  await rm(dir, { recursive: true, force: true });
});

const bytes = (s: string) => Buffer.from(s);

test("writes staged in one turn share one synced batch; staged values are visible before they are durable", async () => {
  const commit = new GroupCommit(db);
  const acks = Array.from({ length: 200 }, (_, i) => commit.stage([{ key: `k${i}`, value: bytes(`v${i}`) }]));
  // Visible at once, before the batch reached LevelDB.
  expect(Buffer.from(commit.get("k7")!).toString()).toBe("v7");
  expect(db.getSync("k7")).toBeUndefined();
  await Promise.all(acks);
  expect(batches).toBe(1);
  expect(synced).toEqual([true]);
  expect(Buffer.from(db.getSync("k199")!).toString()).toBe("v199");
});

test("writers that stage while a flush runs share the next flush, in order", async () => {
  const commit = new GroupCommit(db);
  // 20 writers each stage 10 times in a row, waiting for each ack: the number of batches grows
  // with the rounds, not with the writes.
  await Promise.all(
    Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; i < 10; i++) await commit.stage([{ key: `w${w}`, value: bytes(String(i)) }]);
    }),
  );
  expect(batches).toBeLessThanOrEqual(12);
  expect(synced.every(Boolean)).toBe(true);
  for (let w = 0; w < 20; w++) expect(Buffer.from(db.getSync(`w${w}`)!).toString()).toBe("9");
});

test("a later stage of the same key wins over an earlier one still in flight, and deletes hide values", async () => {
  const commit = new GroupCommit(db);
  await commit.stage([{ key: "a", value: bytes("1") }]);
  const first = commit.stage([{ key: "a", value: bytes("2") }]);
  const second = commit.stage([{ key: "a", value: null }]);
  expect(commit.get("a")).toBeUndefined();
  await Promise.all([first, second]);
  expect(commit.get("a")).toBeUndefined();
  expect(db.getSync("a")).toBeUndefined();
});

test("a failed batch rejects its writers, hides their values, and every later write is refused", async () => {
  const commit = new GroupCommit(db);
  await commit.stage([{ key: "kept", value: bytes("yes") }]);
  const staged = commit.stage([{ key: "lost", value: bytes("no") }]);
  // The disk goes away under the store before the flush runs.
  await db.close();
  await expect(staged).rejects.toThrow();
  await expect(commit.stage([{ key: "later", value: bytes("x") }])).rejects.toBeInstanceOf(StoreFailedError);
  await expect(commit.stage([{ key: "later", value: bytes("x") }])).rejects.toMatchObject({ code: "store_failed" });
  await db.open();
  expect(commit.get("lost")).toBeUndefined();
  expect(Buffer.from(commit.get("kept")!).toString()).toBe("yes");
});

test("values of cached keys follow every staged write, before and after it is durable, and are dropped on a failure", async () => {
  const commit = new GroupCommit(db, { cachedPrefixes: ["n#"], cacheEntries: 2 });
  expect(commit.get("n#c1")).toBeUndefined();
  await commit.stage([{ key: "n#c1", value: bytes("1") }]);
  // Read from the cache now; LevelDB has the same.
  expect(Buffer.from(commit.get("n#c1")!).toString()).toBe("1");
  const next = commit.stage([{ key: "n#c1", value: bytes("2") }]);
  expect(Buffer.from(commit.get("n#c1")!).toString()).toBe("2");
  await next;
  expect(Buffer.from(commit.get("n#c1")!).toString()).toBe("2");
  // Evicted (capacity 2) and read back from LevelDB.
  await commit.stage([{ key: "n#c2", value: bytes("7") }, { key: "n#c3", value: bytes("8") }]);
  expect(Buffer.from(commit.get("n#c1")!).toString()).toBe("2");
  await commit.stage([{ key: "n#c1", value: null }]);
  expect(commit.get("n#c1")).toBeUndefined();
  // A write that never became durable is not served from the cache afterwards.
  const lost = commit.stage([{ key: "n#c2", value: bytes("99") }]);
  await db.close();
  await expect(lost).rejects.toThrow();
  await db.open();
  expect(Buffer.from(commit.get("n#c2")!).toString()).toBe("7");
});


test("synced flushes start at least intervalMs apart; what is staged meanwhile shares the next one", async () => {
  const commit = new GroupCommit(db, { intervalMs: 60 });
  // Idle: the first flush starts at once.
  const t0 = Date.now();
  await commit.stage([{ key: "a", value: bytes("1") }]);
  expect(Date.now() - t0).toBeLessThan(60);
  // Right after it, three writers: one flush, a whole interval after the first began.
  await Promise.all(["b", "c", "d"].map((k) => commit.stage([{ key: k, value: bytes(k) }])));
  expect(written.map((w) => w.size)).toEqual([1, 3]);
  expect(written[1].at - written[0].at).toBeGreaterThanOrEqual(58);
  expect(synced).toEqual([true, true]);
});

test("a lazy write rides along with the next synced flush, or goes out unsynced after lazyDelayMs", async () => {
  const commit = new GroupCommit(db, { lazyDelayMs: 10_000 });
  const lazy = commit.stage([{ key: "o#1", value: null }], { lazy: true });
  expect(commit.deleting("o#1")).toBe(true);
  await new Promise((r) => setTimeout(r, 30));
  // Nothing asked for a flush yet.
  expect(batches).toBe(0);
  await commit.stage([{ key: "m#1", value: bytes("x") }]);
  await lazy;
  expect(written.map((w) => w.size)).toEqual([2]);
  expect(synced).toEqual([true]);
  expect(commit.deleting("o#1")).toBe(false);

  const alone = new GroupCommit(db, { lazyDelayMs: 40 });
  const t0 = Date.now();
  await alone.stage([{ key: "o#2", value: bytes("y") }], { lazy: true });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(38);
  expect(synced).toEqual([true, false]);
  expect(Buffer.from(db.getSync("o#2")!).toString()).toBe("y");
});

test("drain writes lazy writes at once", async () => {
  const commit = new GroupCommit(db, { lazyDelayMs: 60_000 });
  void commit.stage([{ key: "o#1", value: bytes("z") }], { lazy: true });
  await commit.drain();
  expect(Buffer.from(db.getSync("o#1")!).toString()).toBe("z");
});
