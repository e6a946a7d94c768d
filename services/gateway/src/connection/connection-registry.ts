import type { Presence } from "@chat/presence";
import type { ClientConnection } from "./client-connection";

// The connections this gateway holds, and their registration in presence/routing.
export class ConnectionRegistry {
  private readonly byId = new Map<string, ClientConnection>();

  constructor(
    private readonly presence: Presence,
    private readonly gatewayId: string,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(connectionId: string): ClientConnection | undefined {
    return this.byId.get(connectionId);
  }

  all(): IterableIterator<ClientConnection> {
    return this.byId.values();
  }

  async add(conn: ClientConnection): Promise<{ cameOnline: boolean }> {
    this.byId.set(conn.id, conn);
    return this.presence.registerConnection(this.route(conn), this.ttlMs);
  }

  async remove(conn: ClientConnection): Promise<{ wentOffline: boolean }> {
    if (!this.byId.delete(conn.id)) return { wentOffline: false };
    return this.presence.removeConnection(this.route(conn));
  }

  // Heartbeat for every held connection in one call. A route that expired while this gateway
  // was stalled (a long GC pause, a partition from Redis) is registered again: the connection is
  // still here, and without a route nothing would reach it.
  async refreshAll(): Promise<number> {
    const missing = await this.presence.refreshConnections([...this.byId.values()].map((c) => this.route(c)), this.ttlMs);
    const stillHeld = missing.filter((r) => this.byId.has(r.connectionId));
    await Promise.all(stillHeld.map((r) => this.presence.registerConnection(r, this.ttlMs)));
    return stillHeld.length;
  }

  private route(c: ClientConnection) {
    return { userId: c.userId, gatewayId: this.gatewayId, connectionId: c.id };
  }
}
