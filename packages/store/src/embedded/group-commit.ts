import type { ClassicLevel } from "classic-level";
import { Lru } from "@chat/domain";

// Group commit on LevelDB (ADR 0024, 0032). A port method decides and stages its writes in one
// synchronous step: it reads with get() (staged writes first, then LevelDB's synchronous read)
// and calls stage() before it yields, so no other call can interleave between its check and its
// write, as with one Node turn before. Staged writes are visible to get() at once. They reach
// the disk in one LevelDB batch with sync (WAL fdatasync) per flush, and stage() resolves only
// after that: every acknowledged write survives a crash, and all the writes staged while a
// flush runs share the next one's sync. A batch is atomic in LevelDB, so one call's writes (a
// message, its idempotency record, its outbox entry) survive together or not at all.
//
// A flush costs far more than its writes (a thread-pool hand-off and an fdatasync, ~150 µs of
// CPU), so flushes are spaced: one starts at once when the last started at least `intervalMs`
// ago, otherwise when that much time has passed, with everything staged meanwhile. A write
// whose loss in a crash is harmless (a lazy one: an outbox delete, whose entry is then only
// published again) never asks for a flush of its own: it rides along with the next synced
// flush, or, when none comes within `lazyDelayMs`, goes out in an unsynced one.
//
// Range scans read LevelDB itself and so see a write only once it is written, i.e. from the
// moment its caller could have been told it happened.

export type Write = { key: string; value: Uint8Array } | { key: string; value: null };

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions {
  // Values of keys starting with one of these are kept in memory (see `cache`).
  cachedPrefixes?: string[];
  cacheEntries?: number;
  // Least time between the starts of two synced flushes. 0: a flush starts on the next turn.
  intervalMs?: number;
  // Longest a lazy write waits for a synced flush to ride along with.
  lazyDelayMs?: number;
}

export const DEFAULT_LAZY_DELAY_MS = 20;

export class StoreFailedError extends Error {
  readonly code = "store_failed";
}

export class GroupCommit {
  // Per key, the value of its latest staged write (null: deleted) until that write is durable.
  private readonly staged = new Map<string, Uint8Array | null>();
  private pending: Write[] = [];
  private waiters: Waiter[] = [];
  // Waiters among `waiters` that need a synced flush.
  private durableWaiters = 0;
  private lazySince = 0;
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private timerAt = 0;
  private immediate?: NodeJS.Immediate;
  private lastStart = Number.NEGATIVE_INFINITY;
  // After a failed write the state on disk is unknown relative to what callers were told:
  // refuse further writes instead of acknowledging on top of it (restart reopens the store).
  private failedWith?: unknown;

  // Values of hot keys (those starting with one of `cachedPrefixes`, e.g. chat counters, read
  // by every send) kept after they are durable. Every write goes through stage(), which updates
  // this cache, so it cannot go stale.
  private readonly cache: Lru<string, Uint8Array | null>;
  private readonly cachedPrefixes: string[];
  private readonly intervalMs: number;
  private readonly lazyDelayMs: number;

  constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    opts: GroupCommitOptions = {},
  ) {
    this.cache = new Lru(opts.cacheEntries ?? 50_000);
    this.cachedPrefixes = opts.cachedPrefixes ?? [];
    this.intervalMs = opts.intervalMs ?? 0;
    this.lazyDelayMs = opts.lazyDelayMs ?? DEFAULT_LAZY_DELAY_MS;
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

  // True when the key's latest staged write, not yet written, deletes it (range scans, which
  // read LevelDB, still show such a key).
  deleting(key: string): boolean {
    return this.staged.get(key) === null;
  }

  // Takes effect for get() now; resolves once durable (a lazy write: once written).
  stage(writes: Write[], opts: { lazy?: boolean } = {}): Promise<void> {
    if (this.failedWith !== undefined) return Promise.reject(new StoreFailedError("the embedded store failed to write earlier and refuses writes until it is restarted", { cause: this.failedWith }));
    if (writes.length === 0) return Promise.resolve();
    for (const w of writes) {
      this.staged.set(w.key, w.value);
      this.pending.push(w);
      if (this.isCached(w.key)) this.cache.set(w.key, w.value);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (opts.lazy) {
        if (this.lazySince === 0) this.lazySince = Date.now();
      } else {
        this.durableWaiters++;
      }
      this.schedule();
    });
  }

  private isCached(key: string): boolean {
    for (const p of this.cachedPrefixes) if (key.startsWith(p)) return true;
    return false;
  }

  // Waits until everything staged so far is written (or failed).
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else this.flushNow();
    }
  }

  // Arms the timer for the next flush, unless one runs (its end schedules the next).
  private schedule(): void {
    if (this.flushing || this.pending.length === 0 || this.immediate) return;
    const now = Date.now();
    const at = this.durableWaiters > 0 ? this.lastStart + this.intervalMs : Math.max(this.lazySince + this.lazyDelayMs, this.lastStart + this.intervalMs);
    if (at <= now) {
      // Due now, yet one turn later: the callers resumed by the last flush (and everything else
      // that runs in this turn) stage their next writes, so they share this flush's sync.
      this.immediate = setImmediate(this.flushNow);
      return;
    }
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.flushNow, at - now);
  }

  private readonly flushNow = (): void => {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      this.schedule();
    });
  };

  private async flush(): Promise<void> {
    const writes = this.pending;
    const waiters = this.waiters;
    const sync = this.durableWaiters > 0;
    this.pending = [];
    this.waiters = [];
    this.durableWaiters = 0;
    this.lazySince = 0;
    if (sync) this.lastStart = Date.now();
    try {
      // A chained batch: the array form costs about ten times more JavaScript per write.
      const batch = this.db.batch();
      for (const w of writes) {
        if (w.value === null) batch.del(w.key);
        else batch.put(w.key, w.value);
      }
      await batch.write({ sync });
    } catch (err) {
      this.failedWith = err;
      // Nothing staged is known to be on disk: readers must not see it any more.
      this.staged.clear();
      this.cache.clear();
      for (const w of [...waiters, ...this.waiters]) w.reject(err);
      this.pending = [];
      this.waiters = [];
      this.durableWaiters = 0;
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
