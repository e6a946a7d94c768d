import type { Conn } from "./protocols/protocol";

// The connections of one population on one generator, and who is in which group.
export class Pool {
  readonly conns: Conn[] = [];
  readonly byUser = new Map<string, Conn>();
  readonly groupsOf = new Map<string, string[]>();
  readonly members = new Map<string, string[]>();

  add(conn: Conn, groups: string[]): void {
    this.conns.push(conn);
    this.byUser.set(conn.user, conn);
    this.groupsOf.set(conn.user, groups);
    for (const g of groups) {
      const list = this.members.get(g) ?? [];
      list.push(conn.user);
      this.members.set(g, list);
    }
  }

  membersOf(group: string): number {
    return this.members.get(group)?.length ?? 0;
  }
}
