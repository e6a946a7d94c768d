import type { Member } from "@chat/proto";

// Chats' member lists kept in memory (ADR 0032). Fanout reads the list of the chat of every
// message it delivers; without this each read was a LevelDB range scan (a thread-pool round
// trip plus decoding every member). The store is the only writer of its LevelDB, so its own
// member writes are the only invalidation needed, and they happen synchronously in the call
// that stages them: no event, no TTL, nothing can be missed.
//
// A list goes in only from a scan that no member write overlapped: a scan reads LevelDB, which
// shows a member write only once it is durable, so a scan that started before a write was
// staged, or ran while one was still being made durable, may return the old list. The epoch
// (bumped when a member write is staged and again when it settles) and the count of member
// writes in flight tell such a scan apart; its result is returned but not kept.
export class MemberLists {
  private readonly lists = new Map<string, readonly Member[]>();
  private rows = 0;
  private epoch = 0;
  private writing = 0;

  // maxRows bounds memory: members held over all lists (a list longer than that is not kept).
  constructor(private readonly maxRows: number) {
    if (!(Number.isInteger(maxRows) && maxRows >= 0)) throw new RangeError(`maxRows must be a non-negative integer, got ${maxRows}`);
  }

  // A copy: callers may sort or filter what they get.
  get(chatId: string): Member[] | undefined {
    const list = this.lists.get(chatId);
    if (!list) return undefined;
    // Most recently used last: eviction takes from the front.
    this.lists.delete(chatId);
    this.lists.set(chatId, list);
    return list.slice();
  }

  // Reads the list with `scan` on a miss, keeping it unless a member write overlapped the scan.
  async load(chatId: string, scan: () => Promise<Member[]>): Promise<Member[]> {
    const hit = this.get(chatId);
    if (hit) return hit;
    const epoch = this.epoch;
    const list = await scan();
    if (this.epoch === epoch && this.writing === 0) this.remember(chatId, list.slice());
    return list;
  }

  // Called before the member writes of `chatIds` are staged; the returned function once they
  // are durable (or failed).
  beginWrite(chatIds: readonly string[]): () => void {
    this.writing++;
    this.epoch++;
    for (const c of chatIds) this.forget(c);
    return () => {
      this.writing--;
      this.epoch++;
      for (const c of chatIds) this.forget(c);
    };
  }

  get size(): { lists: number; rows: number } {
    return { lists: this.lists.size, rows: this.rows };
  }

  private remember(chatId: string, list: readonly Member[]): void {
    if (weight(list) > this.maxRows) return;
    this.forget(chatId);
    this.lists.set(chatId, list);
    this.rows += weight(list);
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
