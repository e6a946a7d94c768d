import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MemberRole } from "@chat/proto";
import { createEmbeddedStore } from "../src/embedded";
import { IMPORTED_JOURNAL, LEGACY_JOURNAL } from "../src/embedded/journal-import";
import type { Store } from "../src/port";

// A data directory written by the journal store (before ADR 0024) is imported once at the first
// open. The fixture was written by that store: two chats, a member added, one removed, a role
// change, three messages (their outbox entries, one deleted), a hole (c2's seq 1), receipts.

const FIXTURE = resolve(import.meta.dirname, "fixtures/journal-before-adr-0024.jsonl");
let dir: string;
const journal = () => join(dir, LEGACY_JOURNAL);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-import-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<Store> {
  const store = createEmbeddedStore({ dataDir: dir });
  await store.bootstrap();
  return store;
}

async function expectFixtureState(store: Store): Promise<void> {
  expect((await store.getChat("c1"))?.title).toBe("title of c1");
  expect((await store.getChat("c1"))?.lastSeq).toBe(3n);
  expect(await store.currentSeq("c2")).toBe(1n);
  expect((await store.listMembers("c1")).map((m) => [m.userId, m.role])).toEqual([
    ["u-a", MemberRole.ADMIN],
    ["u-c", MemberRole.ADMIN],
  ]);
  expect((await store.listMembershipsOfUser("u-a", { limit: 10 })).items.map((m) => m.chatId)).toEqual(["c1", "c2"]);
  expect((await store.listMessages("c1", { limit: 10 })).map((m) => [m.seq, m.body])).toEqual([
    [1n, "hello 1"],
    [2n, "hello 2"],
    [3n, "hello 3"],
  ]);
  expect(await store.listMessages("c2", { limit: 10 })).toEqual([]);
  expect(await store.getIdempotencyRecord({ chatId: "c1", senderId: "u-a", clientMessageId: "cm-2" })).toEqual({ seq: 2n, messageId: "mid-2" });
  expect((await store.listReceipts("c1")).map((p) => [p.userId, p.deliveredSeq, p.readSeq])).toEqual([
    ["u-a", 2n, 2n],
    ["u-c", 3n, 0n],
  ]);
  const outbox = await store.listOutbox(100);
  expect(outbox.map((e) => e.id).sort()).toEqual(["ob-c2", "ob-join", "ob-m2", "ob-m3"]);
  const m3 = outbox.find((e) => e.id === "ob-m3")!;
  expect(m3).toMatchObject({ topic: "messages.persisted", key: "c1", seq: 3n, headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } });
  expect([...m3.payload]).toEqual([1, 2, 3]);
}

test("a journal.jsonl data directory is imported once, then renamed and never replayed again", async () => {
  copyFileSync(FIXTURE, journal());
  const first = await open();
  await expectFixtureState(first);
  expect(existsSync(journal())).toBe(false);
  expect(readFileSync(join(dir, IMPORTED_JOURNAL))).toEqual(readFileSync(FIXTURE));
  // New writes after the import...
  expect(await first.allocateSeq("c1")).toBe(4n);
  await first.close();
  // ...are not overwritten by a second import at the next open.
  const second = await open();
  expect(await second.currentSeq("c1")).toBe(4n);
  await second.close();
});

test("an import cut short (the rename lost) runs again with the same result", async () => {
  copyFileSync(FIXTURE, journal());
  await (await open()).close();
  renameSync(join(dir, IMPORTED_JOURNAL), journal());
  const again = await open();
  await expectFixtureState(again);
  await again.close();
});

test("a torn last line (never acknowledged) is left out of the import", async () => {
  writeFileSync(journal(), readFileSync(FIXTURE, "utf8") + '{"t":"seq","chatId":"c1","se');
  const store = await open();
  await expectFixtureState(store);
  await store.close();
});

test("damage followed by valid records is refused with its offset, and the journal is kept", async () => {
  const good = readFileSync(FIXTURE, "utf8");
  writeFileSync(journal(), good + '{"t":"seq","ch\n{"t":"seq","chatId":"c1","seq":"9"}\n');
  const store = createEmbeddedStore({ dataDir: dir });
  const err = await store.bootstrap().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: "journal_corrupt" });
  expect(String((err as Error).message)).toContain(`at byte ${Buffer.byteLength(good)}`);
  expect(existsSync(journal())).toBe(true);
  expect(existsSync(join(dir, IMPORTED_JOURNAL))).toBe(false);
  await store.close();
});
