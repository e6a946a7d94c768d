import type { ConnectionRoute, Presence, UserIdSet } from "@chat/presence";
import { createEmbeddedPresence } from "@chat/presence/embedded";

// The embedded presence adapter with faults a test switches on: a failing or held registration,
// a refresh that hangs (a stalled Redis). Counts the calls the gateway makes.
export class FaultyPresence implements Presence {
  readonly inner = createEmbeddedPresence();
  readonly calls = { register: [] as string[], refresh: 0, remove: [] as string[] };
  // Registration of these users is applied, then reported failed (what a timeout looks like).
  failRegisterFor = new Set<string>();
  // Registration of these users waits until the promise resolves.
  holdRegisterFor = new Map<string, Promise<void>>();
  // While set, refreshConnections, registerGateway and ping wait for it.
  stall?: Promise<void>;

  async registerConnection(route: ConnectionRoute, ttlMs: number) {
    this.calls.register.push(route.userId);
    await this.holdRegisterFor.get(route.userId);
    const result = await this.inner.registerConnection(route, ttlMs);
    if (this.failRegisterFor.has(route.userId)) throw new Error("presence registration timed out");
    return result;
  }
  async refreshConnections(routes: ConnectionRoute[], ttlMs: number) {
    this.calls.refresh++;
    await this.stall;
    return this.inner.refreshConnections(routes, ttlMs);
  }
  async removeConnection(route: ConnectionRoute) {
    this.calls.remove.push(route.userId);
    return this.inner.removeConnection(route);
  }
  connectionsOf(userIds: string[]) {
    return this.inner.connectionsOf(userIds);
  }

  connectionsAmong(userIds: UserIdSet) {
    return this.inner.connectionsAmong(userIds);
  }
  async registerGateway(gatewayId: string, address: string, ttlMs: number) {
    await this.stall;
    return this.inner.registerGateway(gatewayId, address, ttlMs);
  }
  unregisterGateway(gatewayId: string) {
    return this.inner.unregisterGateway(gatewayId);
  }
  gatewayAddress(gatewayId: string) {
    return this.inner.gatewayAddress(gatewayId);
  }
  addOnlineInChats(userId: string, chatIds: string[]) {
    return this.inner.addOnlineInChats(userId, chatIds);
  }
  removeOnlineInChats(userId: string, chatIds: string[]) {
    return this.inner.removeOnlineInChats(userId, chatIds);
  }
  onlineInChats(chatIds: string[]) {
    return this.inner.onlineInChats(chatIds);
  }
  async ping() {
    await this.stall;
    return this.inner.ping();
  }
  onReconnect(): void {}
  close() {
    return this.inner.close();
  }
}
