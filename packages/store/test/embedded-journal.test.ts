import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedStore } from "../src/embedded";
import { Journal } from "../src/embedded/journal";

// Crash recovery of the embedded store's journal (issue 10 item 5): a torn last line must be
// cut off at open, or the next append is glued onto it and lost at the following restart.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-journal-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open() {
  const store = createEmbeddedStore({ dataDir: dir });
  await store.bootstrap();
  return store;
}

const journalPath = () => join(dir, "journal.jsonl");

test("records acknowledged after a torn tail survive two restarts", async () => {
  const first = await open();
  expect(await first.allocateSeq("c1")).toBe(1n);
  await first.close();
  // A crash in the middle of writing the next line (never acknowledged).
  appendFileSync(journalPath(), '{"t":"seq","chatId":"c1","se');

  const second = await open();
  expect(await second.currentSeq("c1")).toBe(1n);
  expect(await second.allocateSeq("c1")).toBe(2n);
  expect(await second.allocateSeq("c1")).toBe(3n);
  await second.close();

  const third = await open();
  expect(await third.currentSeq("c1")).toBe(3n);
  await third.close();
  const fourth = await open();
  expect(await fourth.currentSeq("c1")).toBe(3n);
  expect(await fourth.allocateSeq("c1")).toBe(4n);
  await fourth.close();
  // The torn bytes are gone: every line of the file is a complete record.
  const lines = readFileSync(journalPath(), "utf8").split("\n");
  expect(lines.pop()).toBe("");
  for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
});

test("a complete record whose newline never reached the disk is a torn write too", async () => {
  const first = await open();
  await first.allocateSeq("c1");
  await first.close();
  appendFileSync(journalPath(), '{"t":"seq","chatId":"c1","seq":"2"}');
  const journal = new Journal(dir);
  const result = await journal.replay(() => {});
  expect(result).toEqual({ records: 1, truncatedBytes: '{"t":"seq","chatId":"c1","seq":"2"}'.length });
  const second = await open();
  expect(await second.allocateSeq("c1")).toBe(2n);
  await second.close();
  const third = await open();
  expect(await third.currentSeq("c1")).toBe(2n);
  await third.close();
});

test("a torn tail after several complete lines keeps all the complete ones", async () => {
  const first = await open();
  for (let i = 0; i < 50; i++) await first.allocateSeq("c1");
  await first.close();
  const full = readFileSync(journalPath());
  // Cut in the middle of the last line.
  writeFileSync(journalPath(), full.subarray(0, full.length - 5));
  const second = await open();
  expect(await second.currentSeq("c1")).toBe(49n);
  await second.close();
});

test("damage followed by valid records is refused, not silently truncated", async () => {
  writeFileSync(journalPath(), '{"t":"seq","chatId":"c1","seq":"1"}\n{"t":"seq","ch{"t":"seq","chatId":"c1","seq":"2"}\n{"t":"seq","chatId":"c1","seq":"3"}\n');
  const store = createEmbeddedStore({ dataDir: dir });
  await expect(store.bootstrap()).rejects.toMatchObject({ code: "journal_corrupt" });
  // Nothing was cut.
  expect(readFileSync(journalPath(), "utf8")).toContain('"seq":"3"');
});

test("concurrent appends are all durable and in order (group commit)", async () => {
  const store = await open();
  const seqs = await Promise.all(Array.from({ length: 200 }, () => store.allocateSeq("c1")));
  expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
  await store.close();
  const again = await open();
  expect(await again.currentSeq("c1")).toBe(200n);
  await again.close();
});
