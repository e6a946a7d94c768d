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

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-group-commit-"));
  db = await openLevel(dir, { cacheMb: 1 });
  batches = 0;
  synced = [];
  // Counts the batches and their sync option as LevelDB receives them.
  const batch = db.batch.bind(db) as () => ReturnType<LevelDb["batch"]>;
  (db as unknown as { batch: () => unknown }).batch = () => {
    batches++;
    const b = batch();
    const write = b.write.bind(b);
    b.write = ((opts: { sync?: boolean }) => {
      synced.push(opts?.sync === true);
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
  const commit = new GroupCommit(db, ["n#"], 2);
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

