import { clone } from "@bufbuild/protobuf";
import { MemberSchema, type Member } from "@chat/proto";
import type { MemberScanGuard } from "./member-scan-guard";

// What a settled member write did to one chat's member rows.
export type MemberChange = { put: readonly Member[] } | { remove: string };

// Chats' member lists kept in memory (ADR 0032, 0036). Fanout reads the list of the chat of every
// message it delivers; without this each read was a LevelDB range scan (a thread-pool round
// trip plus decoding every member). The store is the only writer of its LevelDB, so its own
// member writes are the only changes, and each is applied to a held list once it is durable
// (`settled`): a held list is always what LevelDB holds. A write moves the list instead of
// dropping it, so filling a chat one member at a time costs O(log n) per member here, not a
// scan of the whole chat each time (quadratic). A list comes in only from a scan the guard
// trusts (no member write of that chat overlapped it).
//
// Each list is sorted by user id, the order of a scan (LevelDB key order; ids are ASCII).
export class MemberLists {
  private readonly lists = new Map<string, Member[]>();
  private rows = 0;

  // maxRows bounds memory: members held over all lists (a list longer than that is not kept).
  constructor(
    private readonly maxRows: number,
    private readonly guard: MemberScanGuard,
  ) {
    if (!(Number.isInteger(maxRows) && maxRows >= 0)) throw new RangeError(`maxRows must be a non-negative integer, got ${maxRows}`);
  }

  // A copy: callers may sort or filter what they get.
  get(chatId: string): Member[] | undefined {
    return this.touch(chatId)?.slice();
  }

  // The number of members of a held list (undefined when not held).
  countOf(chatId: string): number | undefined {
    return this.lists.get(chatId)?.length;
  }

  // Reads the list with `scan` on a miss, keeping it when the guard trusts the scan.
  async load(chatId: string, scan: () => Promise<Member[]>): Promise<Member[]> {
    const hit = this.get(chatId);
    if (hit) return hit;
    const { value, trusted } = await this.guard.scan(chatId, scan);
    // A list another load kept meanwhile stays: it was trusted too, and later writes moved it.
    if (trusted && !this.lists.has(chatId)) this.remember(chatId, value.slice());
    return value;
  }

  // A member write of `chatId` is durable (`change`) or failed (undefined: what LevelDB holds is
  // not known here any more, so the list goes).
  settled(chatId: string, change: MemberChange | undefined): void {
    const list = this.lists.get(chatId);
    if (!list) return;
    if (!change) return this.forget(chatId);
    const before = list.length;
    if ("remove" in change) {
      const at = indexOf(list, change.remove);
      if (at.found) list.splice(at.index, 1);
    } else {
      for (const m of change.put) {
        const at = indexOf(list, m.userId);
        // A copy: the caller keeps its object.
        list.splice(at.index, at.found ? 1 : 0, clone(MemberSchema, m));
      }
    }
    this.rows += weight(list) - Math.max(1, before);
    if (weight(list) > this.maxRows) this.forget(chatId);
    else this.evict();
  }

  get size(): { lists: number; rows: number } {
    return { lists: this.lists.size, rows: this.rows };
  }

  // The held list, marked most recently used (eviction takes from the front).
  private touch(chatId: string): Member[] | undefined {
    const list = this.lists.get(chatId);
    if (!list) return undefined;
    this.lists.delete(chatId);
    this.lists.set(chatId, list);
    return list;
  }

  private remember(chatId: string, list: Member[]): void {
    if (weight(list) > this.maxRows) return;
    this.lists.set(chatId, list);
    this.rows += weight(list);
    this.evict();
  }

  private evict(): void {
    for (const [oldest, l] of this.lists) {
      if (this.rows <= this.maxRows) break;
      this.lists.delete(oldest);
      this.rows -= weight(l);
    }
  }

  private forget(chatId: string): void {
    const list = this.lists.get(chatId);
    if (!list) return;
    this.lists.delete(chatId);
    this.rows -= weight(list);
  }
}

// An empty list (a chat without members, or none at all) still takes an entry.
const weight = (list: readonly Member[]): number => Math.max(1, list.length);

// Binary search by user id: where `userId` is, or where it would go.
function indexOf(list: readonly Member[], userId: string): { index: number; found: boolean } {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const id = list[mid].userId;
    if (id === userId) return { index: mid, found: true };
    if (id < userId) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo, found: false };
}
