import { Lru } from "@chat/domain";
import type { MemberLists } from "./member-lists";
import type { MemberScanGuard } from "./member-scan-guard";

// Member counts, so AddMember's quota check costs O(1) instead of listing the whole member
// list per add (quadratic when a chat is filled one member at a time). A chat whose list is
// held counts that list; otherwise it is counted once by a key scan, then moved by every add
// and remove. A scan is kept only when the guard shared with the member lists trusts it;
// otherwise it is repeated, and after a few tries its result is returned without being kept.
const CAPACITY = 10_000;
const SCAN_TRIES = 3;

export class MemberCounts {
  private readonly counts = new Lru<string, number>(CAPACITY);

  constructor(
    private readonly lists: MemberLists,
    private readonly guard: MemberScanGuard,
  ) {}

  async count(chatId: string, scan: () => Promise<number>): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const known = this.lists.countOf(chatId) ?? this.counts.get(chatId);
      if (known !== undefined) return known;
      const { value, trusted } = await this.guard.scan(chatId, scan);
      if (trusted) {
        this.counts.set(chatId, value);
        return value;
      }
      if (attempt >= SCAN_TRIES) return value;
    }
  }

  // A member write of `chatId` is durable, having added `added` members (negative: removed),
  // or failed (undefined: the count is not known any more).
  settled(chatId: string, added: number | undefined): void {
    const known = this.counts.get(chatId);
    if (known === undefined) return;
    if (added === undefined) this.counts.delete(chatId);
    else if (added !== 0) this.counts.set(chatId, known + added);
  }
}
