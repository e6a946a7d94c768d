import type { Member } from "@chat/proto";
import type { MemberRepository, Page } from "@chat/store";
import type { MembershipChangeSet } from "./membership-events";

// The member reads the cache serves (the Store port's, unchanged).
export type MemberReads = Pick<MemberRepository, "listMembers" | "getMember" | "listMembershipsOfUser">;

export interface MembershipCacheOptions {
  // Safety net: an entry is read again after this long even if no invalidation came.
  ttlMs: number;
  // Bound on memory: member rows held over all entries (a chat's list counts its length).
  maxRows: number;
  now?: () => number;
}

export type ReadKind = "members" | "member" | "user_chats";
export type ReadOutcome = "hit" | "miss" | "bypass";
export type ClearReason = "assigned" | "lag" | "incomplete_event" | "inactive";

export interface MembershipCacheObserver {
  read(kind: ReadKind, outcome: ReadOutcome): void;
  cleared(reason: ClearReason): void;
}

interface Entry<T> {
  value: T;
  rows: number;
  loadedAt: number;
}

const SEP = "\u0000";

// Member reads answered from memory, kept fresh by membership events (the invalidator feeds
// apply()). Three kinds of entries, one LRU over all of them:
//   m:chat            a chat's member list (fanout, typing relay, receipts, contacts)
//   e:chat␀user       one membership that exists (requireMember); "not a member" is never
//                     cached, so a user just added is never refused by a stale entry
//   u:user␀limit␀cur  a page of a user's memberships (presence contacts)
// A read that started before an invalidation is not stored when it ends (the generation
// check), so a slow load can never put back what an event just dropped.
export class MembershipCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  // Keys of the user-scoped entries, to drop them by user.
  private readonly byUser = new Map<string, Set<string>>();
  private readonly loading = new Map<string, { generation: number; promise: Promise<unknown> }>();
  private rows = 0;
  private generation = 0;
  private active = false;
  private readonly now: () => number;

  constructor(
    private readonly store: MemberReads,
    private readonly options: MembershipCacheOptions,
    private readonly observer: MembershipCacheObserver = { read() {}, cleared() {} },
  ) {
    if (!(Number.isInteger(options.ttlMs) && options.ttlMs > 0)) throw new RangeError(`ttlMs must be a positive integer, got ${options.ttlMs}`);
    if (!(Number.isInteger(options.maxRows) && options.maxRows > 0)) throw new RangeError(`maxRows must be a positive integer, got ${options.maxRows}`);
    this.now = options.now ?? Date.now;
  }

  // Only while invalidations arrive may entries be kept; otherwise every read goes to the store.
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    if (!active) this.clear("inactive");
  }

  get size(): { entries: number; rows: number } {
    return { entries: this.entries.size, rows: this.rows };
  }

  listMembers(chatId: string): Promise<Member[]> {
    return this.read("members", `m:${chatId}`, [], () => this.store.listMembers(chatId), (v) => v.length);
  }

  async getMember(chatId: string, userId: string): Promise<Member | undefined> {
    if (this.active) {
      const list = this.fresh<Member[]>(`m:${chatId}`);
      if (list) {
        this.observer.read("member", "hit");
        return list.find((m) => m.userId === userId);
      }
    }
    return this.read("member", `e:${chatId}${SEP}${userId}`, [], () => this.store.getMember(chatId, userId), (v) => (v ? 1 : 0));
  }

  listMembershipsOfUser(userId: string, opts: { limit: number; cursor?: string }): Promise<Page<Member>> {
    return this.read("user_chats", `u:${userId}${SEP}${opts.limit}${SEP}${opts.cursor ?? ""}`, [userId], () => this.store.listMembershipsOfUser(userId, opts), (v) => v.items.length);
  }

  // One membership event: drop what it makes stale.
  apply(change: MembershipChangeSet): void {
    if (!change.complete) {
      this.clear("incomplete_event");
      return;
    }
    this.generation++;
    this.delete(`m:${change.chatId}`);
    for (const userId of change.userIds) {
      this.delete(`e:${change.chatId}${SEP}${userId}`);
      for (const key of this.byUser.get(userId) ?? []) this.delete(key);
    }
  }

  clear(reason: ClearReason): void {
    this.generation++;
    this.entries.clear();
    this.byUser.clear();
    this.rows = 0;
    this.observer.cleared(reason);
  }

  private async read<T>(kind: ReadKind, key: string, users: string[], load: () => Promise<T>, rowsOf: (v: T) => number): Promise<T> {
    if (!this.active) {
      this.observer.read(kind, "bypass");
      return load();
    }
    const cached = this.fresh<T>(key);
    if (cached !== undefined) {
      this.observer.read(kind, "hit");
      return cached;
    }
    this.observer.read(kind, "miss");
    // Concurrent misses of one key share a load, unless an invalidation came in between.
    const pending = this.loading.get(key);
    if (pending && pending.generation === this.generation) return pending.promise as Promise<T>;
    const generation = this.generation;
    const promise = load().then((value) => {
      if (this.generation === generation && this.active) this.remember(key, users, value, rowsOf(value));
      return value;
    });
    this.loading.set(key, { generation, promise });
    const forget = () => {
      if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  private fresh<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.loadedAt >= this.options.ttlMs) {
      this.delete(key);
      return undefined;
    }
    // Most recently used last: eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  private remember(key: string, users: string[], value: unknown, rows: number): void {
    // An absent membership is not kept (see the class comment).
    if (value === undefined) return;
    this.delete(key);
    // At least one row each, so a bound on rows also bounds the number of (empty) entries.
    const weight = Math.max(1, rows);
    if (weight > this.options.maxRows) return;
    this.entries.set(key, { value, rows: weight, loadedAt: this.now() });
    this.rows += weight;
    for (const userId of users) {
      let keys = this.byUser.get(userId);
      if (!keys) this.byUser.set(userId, (keys = new Set()));
      keys.add(key);
    }
    for (const [oldest] of this.entries) {
      if (this.rows <= this.options.maxRows) break;
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.rows -= entry.rows;
    const user = userOf(key);
    if (user !== undefined) {
      const keys = this.byUser.get(user);
      keys?.delete(key);
      if (keys?.size === 0) this.byUser.delete(user);
    }
  }
}

// The user whose list of chats a u: key holds; undefined for other keys (dropped by exact key).
function userOf(key: string): string | undefined {
  return key.startsWith("u:") ? key.slice(2, key.indexOf(SEP)) : undefined;
}
