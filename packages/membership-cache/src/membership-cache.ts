import type { Member } from "@chat/proto";
import type { MemberRepository, Page } from "@chat/store";
import { ChatMembers } from "./chat-members";
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
// An event naming more users than this (a chat created with its members) drops the chat's list
// instead of reading each named member again.
const PATCH_MAX_USERS = 32;

// Member reads answered from memory, kept fresh by membership events (the invalidator feeds
// apply()). Three kinds of entries, one LRU over all of them:
//   m:chat            a chat's member list (fanout, typing relay, receipts, contacts); an event
//                     corrects it by reading the named users' rows again (ChatMembers), reads
//                     wait for that; the rows read are the store's truth whatever order events
//                     come in or how often (the fanout and the invalidator both apply them)
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

  async listMembers(chatId: string): Promise<Member[]> {
    return (await this.chatMembers(chatId)).list();
  }

  // The chat's members by user id (the fanout's set to intersect with the users online). Read
  // it at once: a cached one changes in place with the next membership event.
  async memberIds(chatId: string): Promise<ReadonlyMap<string, Member>> {
    return (await this.chatMembers(chatId)).ids();
  }

  async getMember(chatId: string, userId: string): Promise<Member | undefined> {
    if (this.active) {
      const members = this.fresh<ChatMembers>(`m:${chatId}`);
      if (members) {
        if (members.patching) await members.patching;
        if (!members.failed) {
          this.observer.read("member", "hit");
          return members.get(userId);
        }
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
    const key = `m:${change.chatId}`;
    const entry = this.entries.get(key) as Entry<ChatMembers> | undefined;
    if (entry && change.userIds.length <= PATCH_MAX_USERS) this.patch(key, change.chatId, entry, change.userIds);
    else this.delete(key);
    for (const userId of change.userIds) {
      this.delete(`e:${change.chatId}${SEP}${userId}`);
      for (const key of this.byUser.get(userId) ?? []) this.delete(key);
    }
  }

  private async chatMembers(chatId: string): Promise<ChatMembers> {
    const members = await this.read("members", `m:${chatId}`, [], async () => new ChatMembers(await this.store.listMembers(chatId)), (v) => v.size);
    if (!members.patching) return members;
    await members.patching;
    // The correction failed and the entry is gone: read the store again.
    return members.failed ? this.chatMembers(chatId) : members;
  }

  // Reads the rows of `users` again and applies them to the held list; users named while a read
  // runs are read again after it (a read that started before their change may miss it).
  private patch(key: string, chatId: string, entry: Entry<ChatMembers>, users: string[]): void {
    const members = entry.value;
    for (const u of users) members.pending.add(u);
    members.patching ??= this.runPatches(key, chatId, entry);
  }

  private async runPatches(key: string, chatId: string, entry: Entry<ChatMembers>): Promise<void> {
    const members = entry.value;
    try {
      while (members.pending.size > 0) {
        const users = [...members.pending];
        members.pending.clear();
        const rows = await Promise.all(users.map((u) => this.store.getMember(chatId, u)));
        users.forEach((u, i) => members.set(u, rows[i]));
        if (this.entries.get(key) !== entry) continue;
        const weight = Math.max(1, members.size);
        this.rows += weight - entry.rows;
        entry.rows = weight;
      }
    } catch {
      members.failed = true;
      members.pending.clear();
      this.delete(key);
    } finally {
      // In the same turn as the loop's last check: a user named after it starts a new run.
      members.patching = undefined;
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
