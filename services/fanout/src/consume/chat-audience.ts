import type { ConnectionRoute, Presence, UserIdSet } from "@chat/presence";
import type { Member } from "@chat/proto";
import type { Store } from "@chat/store";

// Who a chat's frames go to: its members who are online, with their routes. Presence walks the
// smaller of the chat's member set and the users online, so a message to a 10,000-member chat
// with 1,000 online looks at about 1,000 users, not 10,000 (ADR 0036). Exact: the routes are
// read as connectionsOf reads them, so whoever is online when the frame is dispatched gets it.
export type ChatAudience = (chatId: string) => Promise<Map<string, ConnectionRoute[]>>;

// A chat's members by user id, kept by the membership cache (read at once: it changes in place).
export type MemberIds = (chatId: string) => Promise<ReadonlyMap<string, unknown>>;

export function chatAudience(deps: { store: Pick<Store, "listMembers">; presence: Pick<Presence, "connectionsAmong">; memberIds?: MemberIds }): ChatAudience {
  // Without the cache: the list becomes a set once per list object (a store may hand out the
  // same array until the chat changes).
  const sets = new WeakMap<readonly Member[], UserIdSet>();
  const fromList = async (chatId: string): Promise<UserIdSet> => {
    const list = await deps.store.listMembers(chatId);
    let ids = sets.get(list);
    if (!ids) sets.set(list, (ids = new Set(list.map((m) => m.userId))));
    return ids;
  };
  const idsOf = deps.memberIds ?? fromList;
  return async (chatId) => deps.presence.connectionsAmong(await idsOf(chatId));
}
