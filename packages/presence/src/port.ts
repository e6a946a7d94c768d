// Presence and routing (Redis in distributed mode, in-process in all-in-one mode).
//
// Contract:
// - A user is online while at least one of their connections is registered and not expired.
// - registerConnection / removeConnection are atomic and report whether the user's online
//   state changed (first connection / last connection).
// - Entries expire after ttlMs unless refreshed; expired entries are never returned.
// - A gateway registers its id -> internal gRPC address with a TTL and refreshes it.

export interface ConnectionRoute {
  userId: string;
  gatewayId: string;
  connectionId: string;
}

// A set of user ids as connectionsAmong reads it: a Set, or the keys of a Map.
export interface UserIdSet {
  readonly size: number;
  has(userId: string): boolean;
  keys(): IterableIterator<string>;
}

export interface Presence {
  registerConnection(route: ConnectionRoute, ttlMs: number): Promise<{ cameOnline: boolean }>;
  // Heartbeat: extends the TTL of these routes (all held by one gateway). Routes that are no
  // longer live (expired during a stall, or removed) are not brought back; they are returned so
  // a gateway that still holds the connection can register it again.
  refreshConnections(routes: ConnectionRoute[], ttlMs: number): Promise<ConnectionRoute[]>;
  removeConnection(route: ConnectionRoute): Promise<{ wentOffline: boolean }>;
  // Live connections of each user (users with none are absent from the result).
  connectionsOf(userIds: string[]): Promise<Map<string, ConnectionRoute[]>>;
  // The same answer as connectionsOf for the users of a set (a chat's members), but an adapter
  // that can enumerate who is online walks whichever is smaller, the set or the online users:
  // fanout to a 10,000-member chat with 1,000 online then looks at 1,000 users, not 10,000
  // (ADR 0036). Exact, like connectionsOf: it reads the routes themselves, not an index.
  connectionsAmong(userIds: UserIdSet): Promise<Map<string, ConnectionRoute[]>>;

  registerGateway(gatewayId: string, address: string, ttlMs: number): Promise<void>;
  unregisterGateway(gatewayId: string): Promise<void>;
  // undefined when the gateway is unknown or its registration expired.
  gatewayAddress(gatewayId: string): Promise<string | undefined>;

  // Per-chat online index (ADR 0025): who is online, by chat, so announcing a user's presence
  // and the snapshot a new connection gets cost work in proportion to the user's chats and
  // online contacts, not to the size of those chats. A gateway writes it at a user's online
  // transitions (first connection: add to each of the user's chats; last: remove) and when a
  // membership frame reaches an online user. Entries do not expire: a user whose gateway died
  // stays listed until a reader finds no live route and prunes them, so readers confirm the
  // users they get with connectionsOf. Adding or removing what is (not) there changes nothing.
  addOnlineInChats(userId: string, chatIds: string[]): Promise<void>;
  removeOnlineInChats(userId: string, chatIds: string[]): Promise<void>;
  // Users listed online in any of these chats, each once.
  onlineInChats(chatIds: string[]): Promise<string[]>;

  ping(): Promise<void>;
  // Called after the connection to the backing store came back from an outage. The store may
  // have lost its data (a Redis restart), so a gateway registers itself and its routes again at
  // once instead of waiting for its next heartbeat. The embedded adapter never calls it.
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}
