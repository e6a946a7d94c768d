import type { ConnectionRoute, Presence, UserIdSet } from "../port";

// In-process presence for all-in-one mode: the same contract as the Redis adapter (TTLs,
// atomic online/offline transitions), held in maps. Expiry is checked lazily on every read.
interface Held {
  route: ConnectionRoute;
  expiresAt: number;
}

export class EmbeddedPresence implements Presence {
  // userId -> the user's live connections. A plain array, not a map keyed by connection: a user
  // has one or a few connections, and a Map per online user cost ~0.3 KiB of every idle
  // connection.
  private readonly users = new Map<string, Held[]>();
  private readonly gateways = new Map<string, { address: string; expiresAt: number }>();
  // chatId -> users listed online in it (the per-chat online index).
  private readonly onlineByChat = new Map<string, Set<string>>();

  async registerConnection(route: ConnectionRoute, ttlMs: number): Promise<{ cameOnline: boolean }> {
    const conns = this.liveConnections(route.userId);
    const cameOnline = conns.length === 0;
    const expiresAt = Date.now() + ttlMs;
    const existing = conns.find((h) => sameRoute(h.route, route));
    if (existing) existing.expiresAt = expiresAt;
    else conns.push({ route: { userId: route.userId, gatewayId: route.gatewayId, connectionId: route.connectionId }, expiresAt });
    this.users.set(route.userId, conns);
    return { cameOnline };
  }

  async refreshConnections(routes: ConnectionRoute[], ttlMs: number): Promise<ConnectionRoute[]> {
    const expiresAt = Date.now() + ttlMs;
    const missing: ConnectionRoute[] = [];
    for (const route of routes) {
      const entry = this.liveConnections(route.userId).find((h) => sameRoute(h.route, route));
      if (entry) entry.expiresAt = expiresAt;
      else missing.push(route);
    }
    return missing;
  }

  async removeConnection(route: ConnectionRoute): Promise<{ wentOffline: boolean }> {
    const conns = this.liveConnections(route.userId);
    const i = conns.findIndex((h) => sameRoute(h.route, route));
    if (i >= 0) conns.splice(i, 1);
    if (conns.length === 0) this.users.delete(route.userId);
    return { wentOffline: i >= 0 && conns.length === 0 };
  }

  async connectionsOf(userIds: string[]): Promise<Map<string, ConnectionRoute[]>> {
    const out = new Map<string, ConnectionRoute[]>();
    for (const userId of userIds) {
      const conns = this.liveConnections(userId);
      if (conns.length > 0) out.set(userId, conns.map((e) => e.route));
    }
    return out;
  }

  async connectionsAmong(userIds: UserIdSet): Promise<Map<string, ConnectionRoute[]>> {
    // `users` also holds users whose routes expired unread: at most the online users plus those.
    if (userIds.size <= this.users.size) return this.connectionsOf([...userIds.keys()]);
    const out = new Map<string, ConnectionRoute[]>();
    // liveConnections may drop the current key: allowed while iterating a Map.
    for (const userId of this.users.keys()) {
      if (!userIds.has(userId)) continue;
      const conns = this.liveConnections(userId);
      if (conns.length > 0) out.set(userId, conns.map((e) => e.route));
    }
    return out;
  }

  async registerGateway(gatewayId: string, address: string, ttlMs: number): Promise<void> {
    this.gateways.set(gatewayId, { address, expiresAt: Date.now() + ttlMs });
  }

  async unregisterGateway(gatewayId: string): Promise<void> {
    this.gateways.delete(gatewayId);
  }

  async gatewayAddress(gatewayId: string): Promise<string | undefined> {
    const g = this.gateways.get(gatewayId);
    if (!g) return undefined;
    if (g.expiresAt <= Date.now()) {
      this.gateways.delete(gatewayId);
      return undefined;
    }
    return g.address;
  }

  async addOnlineInChats(userId: string, chatIds: string[]): Promise<void> {
    for (const chatId of chatIds) {
      let users = this.onlineByChat.get(chatId);
      if (!users) this.onlineByChat.set(chatId, (users = new Set()));
      users.add(userId);
    }
  }

  async removeOnlineInChats(userId: string, chatIds: string[]): Promise<void> {
    for (const chatId of chatIds) {
      const users = this.onlineByChat.get(chatId);
      if (users?.delete(userId) && users.size === 0) this.onlineByChat.delete(chatId);
    }
  }

  async onlineInChats(chatIds: string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const chatId of chatIds) for (const u of this.onlineByChat.get(chatId) ?? []) out.add(u);
    return [...out];
  }

  async ping(): Promise<void> {}

  // In-process state cannot be lost while the process lives.
  onReconnect(): void {}

  async close(): Promise<void> {
    this.users.clear();
    this.gateways.clear();
    this.onlineByChat.clear();
  }

  // The user's connections with the expired ones dropped (in place). Not stored when empty.
  private liveConnections(userId: string): Held[] {
    const conns = this.users.get(userId);
    if (!conns) return [];
    const now = Date.now();
    let expired = false;
    for (const h of conns) if (h.expiresAt <= now) expired = true;
    if (!expired) return conns;
    const live = conns.filter((h) => h.expiresAt > now);
    if (live.length === 0) this.users.delete(userId);
    else this.users.set(userId, live);
    return live;
  }
}

function sameRoute(a: ConnectionRoute, b: ConnectionRoute): boolean {
  return a.connectionId === b.connectionId && a.gatewayId === b.gatewayId;
}

export function createEmbeddedPresence(): Presence {
  return new EmbeddedPresence();
}
