import { Lru } from "@chat/domain";

// Member counts of recently counted chats, so AddMember's quota check costs O(1) instead of
// listing the whole member list per add (quadratic when a chat is filled one member at a
// time). A chat is counted once by a key scan, then moved by every add and remove.
//
// A scan reads LevelDB, which sees a write only once it is durable, while a write is decided
// (staged) earlier: a scan is trusted only if no member write of that chat was between staged
// and durable at any moment of it. Otherwise it is repeated, and after a few tries its result
// is returned without being kept.
const CAPACITY = 10_000;
const SCAN_TRIES = 3;

interface Scan {
  disturbed: boolean;
}

export class MemberCounts {
  private readonly counts = new Lru<string, number>(CAPACITY);
  // Member writes staged and not yet durable, per chat.
  private readonly inFlight = new Map<string, number>();
  // Scans running, per chat.
  private readonly scans = new Map<string, Set<Scan>>();

  async count(chatId: string, scan: () => Promise<number>): Promise<number> {
    const known = this.counts.get(chatId);
    if (known !== undefined) return known;
    for (let attempt = 1; ; attempt++) {
      const quiet = !this.inFlight.has(chatId);
      const mine: Scan = { disturbed: false };
      const running = this.scans.get(chatId) ?? new Set<Scan>();
      this.scans.set(chatId, running.add(mine));
      let n: number;
      try {
        n = await scan();
      } finally {
        running.delete(mine);
        if (running.size === 0 && this.scans.get(chatId) === running) this.scans.delete(chatId);
      }
      if (quiet && !mine.disturbed) {
        this.counts.set(chatId, n);
        return n;
      }
      if (attempt >= SCAN_TRIES) return n;
    }
  }

  // A member write of `chatId` was staged; call the answer once it is durable (or failed) with
  // the members it added (-1 removed, 0 nothing or failed).
  begin(chatId: string): (delta: number) => void {
    this.inFlight.set(chatId, (this.inFlight.get(chatId) ?? 0) + 1);
    for (const s of this.scans.get(chatId) ?? []) s.disturbed = true;
    return (delta) => {
      const left = (this.inFlight.get(chatId) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(chatId);
      else this.inFlight.set(chatId, left);
      const known = this.counts.get(chatId);
      if (known !== undefined && delta !== 0) this.counts.set(chatId, known + delta);
    };
  }
}
