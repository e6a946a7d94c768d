import type { Member } from "@chat/proto";

// A chat's member list as the cache holds it: by user id, so a membership check and the
// fanout's walk of the users online cost O(1) per user, with the list in user-id order (the
// store's order) that listMembers callers get, made again only after a change. A membership
// event corrects it in place (the rows of the users it names, read again from the store)
// instead of dropping it: a 10,000-member chat is not listed again for each member added.
export class ChatMembers {
  private readonly byId: Map<string, Member>;
  private sorted: Member[] | undefined;
  // Users named by membership events whose rows are still to be read again.
  readonly pending = new Set<string>();
  // Settles when those rows are read and applied; the list is not served meanwhile.
  patching: Promise<void> | undefined;
  // A correction failed: the entry is dropped and must not be served.
  failed = false;

  // `list`: in user-id order, as the store lists members.
  constructor(list: Member[]) {
    this.byId = new Map(list.map((m) => [m.userId, m]));
    this.sorted = list;
  }

  get size(): number {
    return this.byId.size;
  }

  list(): Member[] {
    return (this.sorted ??= [...this.byId.values()].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)));
  }

  // The members by user id: read it at once, it changes with the next correction.
  ids(): ReadonlyMap<string, Member> {
    return this.byId;
  }

  get(userId: string): Member | undefined {
    return this.byId.get(userId);
  }

  // The store's row of `userId` (undefined: not a member).
  set(userId: string, row: Member | undefined): void {
    if (row) this.byId.set(userId, row);
    else if (!this.byId.delete(userId)) return;
    this.sorted = undefined;
  }
}
