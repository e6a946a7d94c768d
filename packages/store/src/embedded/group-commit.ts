import { setImmediate as nextTurn } from "node:timers/promises";
import type { ClassicLevel } from "classic-level";
import { Lru } from "@chat/domain";

// Group commit on LevelDB (ADR 0024). A port method decides and stages its writes in one
// synchronous step: it reads with get() (staged writes first, then LevelDB's synchronous read)
// and calls stage() before it yields, so no other call can interleave between its check and its
// write, as with one Node turn before. Staged writes are visible to get() at once. They reach
// the disk in one LevelDB batch with sync (WAL fdatasync) per flush, and stage() resolves only
// after that: every acknowledged write survives a crash, and all the writes staged while a
// flush runs share the next one's sync. A batch is atomic in LevelDB, so one call's writes (a
// message, its idempotency record, its outbox entry) survive together or not at all.
//
// Range scans read LevelDB itself and so see a write only once it is durable, i.e. from the
// moment its caller could have been told it happened.

export type Write = { key: string; value: Uint8Array } | { key: string; value: null };

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class StoreFailedError extends Error {
  readonly code = "store_failed";
}

export class GroupCommit {
  // Per key, the value of its latest staged write (null: deleted) until that write is durable.
  private readonly staged = new Map<string, Uint8Array | null>();
  private pending: Write[] = [];
  private waiters: Waiter[] = [];
  private flushing?: Promise<void>;
  // After a failed write the state on disk is unknown relative to what callers were told:
  // refuse further writes instead of acknowledging on top of it (restart reopens the store).
  private failedWith?: unknown;

  // Values of hot keys (those starting with one of `cachedPrefixes`, e.g. chat counters, read
  // by every send) kept after they are durable. Every write goes through stage(), which updates
  // this cache, so it cannot go stale.
  private readonly cache: Lru<string, Uint8Array | null>;

  constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly cachedPrefixes: string[] = [],
    cacheEntries = 50_000,
  ) {
    this.cache = new Lru(cacheEntries);
  }

  get(key: string): Uint8Array | undefined {
    const s = this.staged.get(key);
    if (s !== undefined) return s ?? undefined;
    if (!this.isCached(key)) return this.db.getSync(key);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const v = this.db.getSync(key);
    this.cache.set(key, v ?? null);
    return v;
  }

  // Takes effect for get() now; resolves once durable.
  stage(writes: Write[]): Promise<void> {
    if (this.failedWith !== undefined) return Promise.reject(new StoreFailedError("the embedded store failed to write earlier and refuses writes until it is restarted", { cause: this.failedWith }));
    if (writes.length === 0) return Promise.resolve();
    for (const w of writes) {
      this.staged.set(w.key, w.value);
      this.pending.push(w);
      if (this.isCached(w.key)) this.cache.set(w.key, w.value);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  private isCached(key: string): boolean {
    for (const p of this.cachedPrefixes) if (key.startsWith(p)) return true;
    return false;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      // Staged after the loop saw nothing left, but before this callback ran.
      if (this.pending.length > 0) this.kick();
    });
  }

  // Waits until everything staged so far is durable (or failed).
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      // Waiting one turn lets the callers resumed by the last flush (and everything else that
      // runs in this turn) stage their next writes, so they share this flush's sync instead of
      // each paying one.
      await nextTurn();
      if (this.pending.length === 0) return;
      const writes = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        // A chained batch: the array form costs about ten times more JavaScript per write.
        const batch = this.db.batch();
        for (const w of writes) {
          if (w.value === null) batch.del(w.key);
          else batch.put(w.key, w.value);
        }
        await batch.write({ sync: true });
      } catch (err) {
        this.failedWith = err;
        // Nothing staged is known to be on disk: readers must not see it any more.
        this.staged.clear();
        this.cache.clear();
        for (const w of [...waiters, ...this.waiters]) w.reject(err);
        this.pending = [];
        this.waiters = [];
        return;
      }
      // LevelDB now answers these keys itself, unless a later stage() changed them again: then
      // the staged value is another one (values are fresh arrays per write; two deletes in a
      // row agree with LevelDB anyway).
      for (const w of writes) {
        if (this.staged.get(w.key) === w.value) this.staged.delete(w.key);
      }
      for (const w of waiters) w.resolve();
    }
  }
}
