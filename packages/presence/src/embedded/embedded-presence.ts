import type { ConnectionRoute, Presence } from "../port";

// In-process presence for all-in-one mode: the same contract as the Redis adapter (TTLs,
// atomic online/offline transitions), held in maps. Expiry is checked lazily on every read.
export class EmbeddedPresence implements Presence {
  // userId -> (gatewayId|connectionId -> { route, expiresAt })
  private readonly users = new Map<string, Map<string, { route: ConnectionRoute; expiresAt: number }>>();
  private readonly gateways = new Map<string, { address: string; expiresAt: number }>();
  // chatId -> users listed online in it (the per-chat online index).
  private readonly onlineByChat = new Map<string, Set<string>>();

  async registerConnection(route: ConnectionRoute, ttlMs: number): Promise<{ cameOnline: boolean }> {
    const conns = this.liveConnections(route.userId);
    const cameOnline = conns.size === 0;
    conns.set(routeKey(route), { route: { ...route }, expiresAt: Date.now() + ttlMs });
    this.users.set(route.userId, conns);
    return { cameOnline };
  }

  async refreshConnections(routes: ConnectionRoute[], ttlMs: number): Promise<ConnectionRoute[]> {
    const expiresAt = Date.now() + ttlMs;
    const missing: ConnectionRoute[] = [];
    for (const route of routes) {
      const entry = this.liveConnections(route.userId).get(routeKey(route));
      if (entry) entry.expiresAt = expiresAt;
      else missing.push(route);
    }
    return missing;
  }

  async removeConnection(route: ConnectionRoute): Promise<{ wentOffline: boolean }> {
    const conns = this.liveConnections(route.userId);
    const removed = conns.delete(routeKey(route));
    if (conns.size === 0) this.users.delete(route.userId);
    return { wentOffline: removed && conns.size === 0 };
  }

  async connectionsOf(userIds: string[]): Promise<Map<string, ConnectionRoute[]>> {
    const out = new Map<string, ConnectionRoute[]>();
    for (const userId of userIds) {
      const conns = this.liveConnections(userId);
      if (conns.size > 0) out.set(userId, [...conns.values()].map((e) => e.route));
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

  private liveConnections(userId: string): Map<string, { route: ConnectionRoute; expiresAt: number }> {
    const conns = this.users.get(userId) ?? new Map<string, { route: ConnectionRoute; expiresAt: number }>();
    const now = Date.now();
    for (const [k, e] of conns) if (e.expiresAt <= now) conns.delete(k);
    if (conns.size === 0) this.users.delete(userId);
    return conns;
  }
}

function routeKey(r: ConnectionRoute): string {
  return `${r.gatewayId}|${r.connectionId}`;
}

export function createEmbeddedPresence(): Presence {
  return new EmbeddedPresence();
}
