import type { Store } from "@chat/store";
import type { MembershipCache } from "./membership-cache";

// The Store port with its member reads served by the cache; everything else goes to the store.
// Membership writes made through it drop their entries at once (the event that follows does
// it again, for every process).
export function withMembershipCache(store: Store, cache: MembershipCache): Store {
  const overrides: Partial<Store> = {
    listMembers: (chatId) => cache.listMembers(chatId),
    getMember: (chatId, userId) => cache.getMember(chatId, userId),
    listMembershipsOfUser: (userId, opts) => cache.listMembershipsOfUser(userId, opts),
    addMember: async (member, outbox) => {
      try {
        return await store.addMember(member, outbox);
      } finally {
        cache.apply({ chatId: member.chatId, userIds: [member.userId], complete: true });
      }
    },
    removeMember: async (chatId, userId, outbox) => {
      try {
        return await store.removeMember(chatId, userId, outbox);
      } finally {
        cache.apply({ chatId, userIds: [userId], complete: true });
      }
    },
    updateMemberRole: async (chatId, userId, role, outbox) => {
      try {
        return await store.updateMemberRole(chatId, userId, role, outbox);
      } finally {
        cache.apply({ chatId, userIds: [userId], complete: true });
      }
    },
    createChat: async (chat, members, outbox) => {
      try {
        return await store.createChat(chat, members, outbox);
      } finally {
        cache.apply({ chatId: chat.chatId, userIds: members.map((m) => m.userId), complete: true });
      }
    },
  };
  return new Proxy(store, {
    get(target, prop, receiver): unknown {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
