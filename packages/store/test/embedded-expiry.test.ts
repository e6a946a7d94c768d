import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codec } from "../src/embedded/codec";
import { ExpirySweeper } from "../src/embedded/expiry-sweeper";
import { GroupCommit } from "../src/embedded/group-commit";
import { key } from "../src/embedded/key-layout";
import { openLevel, type LevelDb } from "../src/embedded/level-db";
import { idempotencyWrites } from "../src/embedded/records";

// Expired idempotency records are deleted from disk (reads ignore them already), so the data
// stays proportional to the messages; a record rewritten after expiry stays.

let dir: string;
let db: LevelDb;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-expiry-"));
  db = await openLevel(dir, { cacheMb: 1 });
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const rk = (cm: string) => key.idempotency({ chatId: "c1", senderId: "u1", clientMessageId: cm });

test("the sweep deletes records expired by now and their index entries, and nothing else", async () => {
  const commit = new GroupCommit(db);
  const now = 1_000_000;
  // 2,500 expired records (more than one page of the sweep), one live, one rewritten after expiry.
  for (let i = 0; i < 2500; i++) void commit.stage(idempotencyWrites(rk(`old-${i}`), { seq: BigInt(i + 1), messageId: `m${i}`, expiresAtMs: now - 1 - (i % 50) }));
  await commit.stage(idempotencyWrites(rk("live"), { seq: 9000n, messageId: "live", expiresAtMs: now + 60_000 }));
  await commit.stage(idempotencyWrites(rk("reused"), { seq: 9001n, messageId: "first", expiresAtMs: now - 10 }));
  await commit.stage(idempotencyWrites(rk("reused"), { seq: 9002n, messageId: "second", expiresAtMs: now + 60_000 }));

  const sweeper = new ExpirySweeper(db, commit, 60_000);
  expect(await sweeper.sweep(now)).toBe(2500);
  expect(await db.keys({ gte: "i#", lt: "i$" }).all()).toEqual([rk("live"), rk("reused")].sort());
  expect(codec.idempotency.decode(db.getSync(rk("reused"))!).messageId).toBe("second");
  // Only the live records' index entries are left.
  expect(await db.keys({ gte: "x#", lt: "x$" }).all()).toEqual([key.expiry(now + 60_000, rk("live")), key.expiry(now + 60_000, rk("reused"))].sort());
  expect(await sweeper.sweep(now)).toBe(0);
});
