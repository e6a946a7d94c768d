import type { ConnectionRoute, Presence } from "@chat/presence";

// What the registry needs of a connection (ClientConnection in production).
export interface RegisteredConnection {
  readonly id: string;
  readonly userId: string;
}

// The connections this gateway holds open, and their routes in presence. A connection is held
// only once its route is registered and its session is open (see session-state.ts): a session
// whose registration failed or that closed meanwhile is never held, so no heartbeat keeps a
// ghost alive.
export class ConnectionRegistry<C extends RegisteredConnection = RegisteredConnection> {
  private readonly byId = new Map<string, C>();

  constructor(
    private readonly presence: Presence,
    private readonly gatewayId: string,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(connectionId: string): C | undefined {
    return this.byId.get(connectionId);
  }

  all(): IterableIterator<C> {
    return this.byId.values();
  }

  // Writes the route; the caller holds the connection (hold) once its session opened.
  register(conn: RegisteredConnection): Promise<{ cameOnline: boolean }> {
    return this.presence.registerConnection(this.route(conn), this.ttlMs);
  }

  hold(conn: C): void {
    this.byId.set(conn.id, conn);
  }

  // Forgets the connection and removes its route (also for a connection never held: a
  // registration that failed by timeout may still have been applied).
  release(conn: RegisteredConnection): Promise<{ wentOffline: boolean }> {
    this.byId.delete(conn.id);
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

  // Writes every held route again (after presence lost its data, e.g. a Redis restart).
  async registerAll(): Promise<number> {
    const held = [...this.byId.values()];
    await Promise.all(held.map((c) => this.presence.registerConnection(this.route(c), this.ttlMs)));
    return held.length;
  }

  private route(c: RegisteredConnection): ConnectionRoute {
    return { userId: c.userId, gatewayId: this.gatewayId, connectionId: c.id };
  }
}
