import type { Message } from "@chat/proto";

export interface SyncPage {
  messages: Message[];
  hasMore: boolean;
  nextAfterSeq: bigint;
}

export interface StreamStep {
  // Messages to hand to the application now, in seq order, each (chat, seq) once.
  emit: Message[];
  // Ask the server for the page after this seq, `delayMs` from now.
  sync?: { afterSeq: bigint; delayMs: number };
  // A sync finished: the chat is caught up to `last`.
  synced?: boolean;
}

export interface ChatStreamOptions {
  // How long a missing seq is waited for before it is treated as a hole (allocated, never
  // stored). Between allocation and commit a missing seq can be a message still being written
  // on another replica (docs/data-model.md#sequence-numbers-and-holes).
  holeTimeoutMs: number;
  // First delay before re-syncing to fill a gap; doubles up to the hole timeout.
  gapRetryMs: number;
}

// 25 s: longer than the store's hole-finality bound (docs/data-model.md, about 20 s), so a
// message still being written on another replica is never skipped as a hole and lost to this
// client. A real hole exists only after a failure, so the wait is rare.
export const DEFAULT_STREAM_OPTIONS: ChatStreamOptions = { holeTimeoutMs: 25_000, gapRetryMs: 100 };

// The resume / dedupe / gap state of one chat. Pure: no I/O and no timers; the caller performs
// the syncs it asks for and passes the time in.
//
// Invariant: `last` is the highest seq handed to the application with nothing missing before it
// (holes excepted). Everything emitted has seq > the previous `last`, so a (chat, seq) is emitted
// at most once and in ascending order.
export class ChatStream {
  private readonly buffer = new Map<bigint, Message>();
  private syncing = false;
  private gapSince: number | undefined;
  private gapRetries = 0;

  constructor(
    readonly chatId: string,
    private lastSeq = 0n,
    private readonly opts: ChatStreamOptions = DEFAULT_STREAM_OPTIONS,
  ) {}

  get last(): bigint {
    return this.lastSeq;
  }

  get isSyncing(): boolean {
    return this.syncing;
  }

  get buffered(): number {
    return this.buffer.size;
  }

  // Starts a sync from `last` (after a (re)connect, or to fill a gap). Returns undefined when one
  // is already running: its completion re-checks for gaps.
  startSync(): bigint | undefined {
    if (this.syncing) return undefined;
    this.syncing = true;
    return this.lastSeq;
  }

  // The connection carrying the sync went away; the next connection starts a fresh one.
  abortSync(): void {
    this.syncing = false;
  }

  // A message pushed live. While a sync runs it is only buffered, so nothing live overtakes
  // the history being fetched; otherwise it is emitted if it is next, or opens a gap.
  onLive(m: Message, now: number): StreamStep {
    if (m.seq <= this.lastSeq) return { emit: [] };
    this.buffer.set(m.seq, m);
    if (this.syncing) return { emit: [] };
    const emit = this.drain();
    if (this.buffer.size === 0) return { emit };
    this.gapSince ??= now;
    // A gap: sync at once (the server's order guard makes a gap on one connection rare).
    this.syncing = true;
    return { emit, sync: { afterSeq: this.lastSeq, delayMs: 0 } };
  }

  onSyncPage(page: SyncPage, now: number): StreamStep {
    for (const m of page.messages) if (m.seq > this.lastSeq) this.buffer.set(m.seq, m);
    const progressBefore = this.lastSeq;
    const emit = this.drain();
    if (page.hasMore) {
      // Continue from the page's cursor even when a gap holds `last` back.
      const after = page.nextAfterSeq > this.lastSeq ? page.nextAfterSeq : this.lastSeq;
      return { emit, sync: { afterSeq: after, delayMs: 0 } };
    }
    if (this.buffer.size === 0) {
      this.syncing = false;
      this.gapSince = undefined;
      this.gapRetries = 0;
      return { emit, synced: true };
    }
    // The sync is complete and a gap remains: a message still being written, or a hole.
    this.gapSince ??= now;
    if (this.lastSeq > progressBefore) this.gapRetries = 0;
    if (now - this.gapSince >= this.opts.holeTimeoutMs) {
      emit.push(...this.skipHoles());
      if (this.buffer.size === 0) {
        this.syncing = false;
        return { emit, synced: true };
      }
      this.gapSince = now;
    }
    const delayMs = Math.min(this.opts.gapRetryMs * 2 ** this.gapRetries++, this.opts.holeTimeoutMs);
    return { emit, sync: { afterSeq: this.lastSeq, delayMs } };
  }

  // Emits every buffered message that directly follows `last`.
  private drain(): Message[] {
    const out: Message[] = [];
    for (let next = this.buffer.get(this.lastSeq + 1n); next; next = this.buffer.get(this.lastSeq + 1n)) {
      this.buffer.delete(next.seq);
      this.lastSeq = next.seq;
      out.push(next);
    }
    if (this.buffer.size === 0) this.gapSince = undefined;
    return out;
  }

  // Gives up on the seqs below the lowest buffered one: they are holes, treated as empty.
  private skipHoles(): Message[] {
    let min: bigint | undefined;
    for (const seq of this.buffer.keys()) if (min === undefined || seq < min) min = seq;
    if (min === undefined) return [];
    this.lastSeq = min - 1n;
    this.gapRetries = 0;
    return this.drain();
  }
}
