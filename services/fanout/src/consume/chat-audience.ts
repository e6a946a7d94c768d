import type { ConnectionRoute, Presence } from "@chat/presence";
import type { Member } from "@chat/proto";
import type { Store } from "@chat/store";

// Who a chat's frames go to: its members who are online, with their routes. The member list
// becomes a set once per list (the membership cache hands out the same array until the chat
// changes), and presence walks the smaller of that set and the users online, so a message to
// a 10,000-member chat with 1,000 online looks at about 1,000 users, not 10,000 (ADR 0035).
// Exact: the routes are read as connectionsOf reads them, so whoever is online when the
// message is dispatched gets it, as before.
export type ChatAudience = (chatId: string) => Promise<Map<string, ConnectionRoute[]>>;

export function chatAudience(deps: { store: Pick<Store, "listMembers">; presence: Pick<Presence, "connectionsAmong"> }): ChatAudience {
  const sets = new WeakMap<readonly Member[], ReadonlySet<string>>();
  return async (chatId) => {
    const list = await deps.store.listMembers(chatId);
    let ids = sets.get(list);
    if (!ids) sets.set(list, (ids = new Set(list.map((m) => m.userId))));
    return deps.presence.connectionsAmong(ids);
  };
}
