import { create } from "@bufbuild/protobuf";
import { MessageSchema, type Message } from "@chat/proto";
import { ChatStream, DEFAULT_STREAM_OPTIONS } from "../src/sync/chat-stream";

const msg = (seq: number): Message => create(MessageSchema, { chatId: "c1", seq: BigInt(seq), body: `m${seq}` });
const seqs = (ms: Message[]) => ms.map((m) => Number(m.seq));
const page = (from: number[], hasMore = false) => ({ messages: from.map(msg), hasMore, nextAfterSeq: BigInt(from.at(-1) ?? 0) });
const opts = { holeTimeoutMs: 1000, gapRetryMs: 100 };

test("in-order live messages are emitted at once; duplicates are dropped", () => {
  const s = new ChatStream("c1", 0n, opts);
  expect(seqs(s.onLive(msg(1), 0).emit)).toEqual([1]);
  expect(seqs(s.onLive(msg(2), 0).emit)).toEqual([2]);
  expect(s.onLive(msg(2), 0)).toEqual({ emit: [] });
  expect(s.onLive(msg(1), 0)).toEqual({ emit: [] });
  expect(s.last).toBe(2n);
});

test("live messages during a sync are held until the sync has emitted the history", () => {
  const s = new ChatStream("c1", 2n, opts);
  expect(s.startSync()).toBe(2n);
  expect(s.startSync()).toBeUndefined(); // one sync at a time
  expect(s.onLive(msg(6), 0).emit).toEqual([]);
  expect(s.onLive(msg(3), 0).emit).toEqual([]); // even the next seq waits for the sync
  const p1 = s.onSyncPage(page([3, 4], true), 0);
  expect(seqs(p1.emit)).toEqual([3, 4]);
  expect(p1.sync).toEqual({ afterSeq: 4n, delayMs: 0 });
  const p2 = s.onSyncPage(page([5, 6]), 0);
  expect(seqs(p2.emit)).toEqual([5, 6]);
  expect(p2.synced).toBe(true);
  expect(s.isSyncing).toBe(false);
  expect(s.buffered).toBe(0);
});

test("a gap in live pushes triggers a sync from the last contiguous seq", () => {
  const s = new ChatStream("c1", 0n, opts);
  s.onLive(msg(1), 0);
  const step = s.onLive(msg(4), 0);
  expect(step.emit).toEqual([]);
  expect(step.sync).toEqual({ afterSeq: 1n, delayMs: 0 });
  // More pushes while that sync runs only buffer.
  expect(s.onLive(msg(5), 0)).toEqual({ emit: [] });
  const done = s.onSyncPage(page([2, 3, 4, 5]), 10);
  expect(seqs(done.emit)).toEqual([2, 3, 4, 5]);
  expect(done.synced).toBe(true);
});

test("a seq missing from a complete sync is waited for, re-synced with growing delays, then skipped as a hole", () => {
  const s = new ChatStream("c1", 0n, opts);
  s.startSync();
  let step = s.onSyncPage(page([1, 3]), 0);
  expect(seqs(step.emit)).toEqual([1]);
  expect(step.sync).toEqual({ afterSeq: 1n, delayMs: 100 });
  step = s.onSyncPage(page([3]), 150);
  expect(step.sync).toEqual({ afterSeq: 1n, delayMs: 200 });
  step = s.onSyncPage(page([3]), 400);
  expect(step.sync).toEqual({ afterSeq: 1n, delayMs: 400 });
  // After the hole timeout seq 2 counts as a hole: 3 is emitted and the sync ends.
  step = s.onSyncPage(page([3]), 1000);
  expect(seqs(step.emit)).toEqual([3]);
  expect(step.synced).toBe(true);
  expect(s.last).toBe(3n);
  expect(s.onLive(msg(2), 1001).emit).toEqual([]); // a late 2 is never emitted after 3
});

test("a message still being written fills its gap on a re-sync", () => {
  const s = new ChatStream("c1", 0n, opts);
  s.startSync();
  expect(s.onSyncPage(page([1, 3]), 0).sync?.delayMs).toBe(100);
  const step = s.onSyncPage(page([2, 3]), 100);
  expect(seqs(step.emit)).toEqual([2, 3]);
  expect(step.synced).toBe(true);
});

test("an aborted sync (connection lost) restarts from last, and pages that were emitted are not re-emitted", () => {
  const s = new ChatStream("c1", 0n, opts);
  s.startSync();
  s.onSyncPage(page([1, 2], true), 0);
  s.abortSync();
  expect(s.startSync()).toBe(2n);
  // The server answers from 2 but a stale page overlapping it is harmless too.
  expect(seqs(s.onSyncPage(page([1, 2, 3]), 0).emit)).toEqual([3]);
});

test("every seq is emitted exactly once and in order, whatever the interleaving of pushes and pages", () => {
  // Deterministic pseudo-random schedule over 200 rounds.
  let x = 7;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 200; round++) {
    const s = new ChatStream("c1", 0n, opts);
    const emitted: number[] = [];
    const total = 30;
    const stored = new Set(Array.from({ length: total }, (_, i) => i + 1));
    let syncFrom: bigint | undefined = s.startSync();
    let now = 0;
    const page4 = (from: bigint, upTo: number) => {
      const avail = [...stored].filter((q) => q > Number(from) && q < upTo).slice(0, 4);
      return { messages: avail.map(msg), hasMore: avail.length === 4, nextAfterSeq: BigInt(avail.at(-1) ?? Number(from)) };
    };
    let pushed = 1;
    while (pushed <= total) {
      now += 10;
      if (rnd() < 0.6 || syncFrom === undefined) {
        // Pushes may be lost, duplicated or late.
        const seq = rnd() < 0.2 ? Math.max(1, pushed - 3) : pushed++;
        if (rnd() < 0.8) {
          const step = s.onLive(msg(seq), now);
          emitted.push(...seqs(step.emit));
          if (step.sync) syncFrom = step.sync.afterSeq;
        }
      } else {
        const step = s.onSyncPage(page4(syncFrom, pushed), now);
        emitted.push(...seqs(step.emit));
        syncFrom = step.sync?.afterSeq;
      }
    }
    // A lost last push is only noticed by the next sync (a reconnect, or the next push's gap).
    s.abortSync();
    syncFrom = s.startSync();
    while (syncFrom !== undefined) {
      now += 10;
      const step = s.onSyncPage(page4(syncFrom, total + 1), now);
      emitted.push(...seqs(step.emit));
      syncFrom = step.sync?.afterSeq;
    }
    expect(emitted).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }
});

test("by default a missing seq is not skipped before the store's hole-finality bound (about 20 s): a slow write still arrives", () => {
  const s = new ChatStream("c1", 0n, DEFAULT_STREAM_OPTIONS);
  s.startSync();
  let step = s.onSyncPage(page([1, 3]), 0);
  // Re-synced while the write of seq 2 is still in flight (up to 20 s on a stalled store).
  for (let now = 100; now <= 20_000; now += 1000) {
    step = s.onSyncPage(page([3]), now);
    expect(step.emit).toEqual([]);
  }
  // The write lands: 2 and 3 are emitted in order, nothing lost.
  step = s.onSyncPage(page([2, 3]), 20_500);
  expect(seqs(step.emit)).toEqual([2, 3]);
});
