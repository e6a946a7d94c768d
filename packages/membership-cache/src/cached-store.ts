import type { Store } from "@chat/store";
import type { MembershipCache } from "./membership-cache";

// The Store port with its member reads served by the cache; everything else goes to the store.
// Membership writes made through it drop their entries at once (the event that follows does
// it again, for every process).
export function withMembershipCache(store: Store, cache: MembershipCache): Store {
  return decorate(store, {
    listMembers: (chatId) => cache.listMembers(chatId),
    getMember: (chatId, userId) => cache.getMember(chatId, userId),
    listMembershipsOfUser: (userId, opts) => cache.listMembershipsOfUser(userId, opts),
    ...invalidatingWrites(store, cache),
  });
}

// The Store port unchanged for reads (a writer that needs the truth: chatmgmt's quota and
// last-admin checks), with its membership writes dropping the cache's entries the moment they
// are made. In one process with the cache's readers (all-in-one) this invalidates synchronously.
export function withMembershipInvalidation(store: Store, cache: MembershipCache): Store {
  return decorate(store, invalidatingWrites(store, cache));
}

function invalidatingWrites(store: Store, cache: MembershipCache): Partial<Store> {
  return {
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
}

function decorate(store: Store, overrides: Partial<Store>): Store {
  // Bound once per method, not per call: every store call of the service passes through here.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver): unknown {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      let fn = bound.get(prop);
      if (fn === undefined) bound.set(prop, (fn = (value as (...args: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
