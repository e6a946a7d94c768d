// Deadlines of in-process calls on ONE timer. A timer per call costs a timer-list insert and
// removal each (and a list of its own per distinct duration), at every send; a caller's calls
// mostly share one timeout, so their deadlines arrive in order and a FIFO with one timer armed
// for its head does the same job. An entry settled before its deadline is only marked; the
// timer skips it when it fires. The timer holds the process open only while a call is pending,
// as a per-call timer did.

export interface DeadlineEntry {
  readonly at: number;
  // Set when the call settled: its expiry must not fire any more.
  settle(): void;
}

interface Entry extends DeadlineEntry {
  expired: () => void;
  live: boolean;
}

export class DeadlineQueue {
  private queue: Entry[] = [];
  private head = 0;
  private live = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  // `expired` runs once `at` (epoch ms) has passed, unless the entry was settled first.
  add(at: number, expired: () => void): DeadlineEntry {
    const entry: Entry = {
      at,
      expired,
      live: true,
      settle: () => {
        if (!entry.live) return;
        entry.live = false;
        if (--this.live === 0) this.timer?.unref();
      },
    };
    const tail = this.queue[this.queue.length - 1];
    if (this.head === this.queue.length || tail.at <= at) this.queue.push(entry);
    else this.insertSorted(entry);
    if (this.live++ === 0) this.timer?.ref();
    if (at < this.timerAt) this.arm(at);
    return entry;
  }

  // A shorter deadline than one already queued (another timeout): rare, so a linear insert.
  private insertSorted(entry: Entry): void {
    let i = this.queue.length;
    while (i > this.head && this.queue[i - 1].at > entry.at) i--;
    this.queue.splice(i, 0, entry);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - this.now()));
    if (this.live === 0) this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    while (this.head < this.queue.length) {
      const e = this.queue[this.head];
      if (e.live && e.at > now) break;
      this.head++;
      if (e.live) {
        e.settle();
        e.expired();
      }
    }
    // Drop the consumed prefix now and then rather than shift() per entry.
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length) this.arm(this.queue[this.head].at);
  };
}
