import { Redis } from "ioredis";
import type { ConnectionRoute, Presence } from "../port";
import { RedisPresenceKeys, decodeMember, encodeMember } from "./keys";
import { definePresenceScripts } from "./scripts";

// Structural subset of the pino logger, so this package does not depend on observability.
export interface RedisPresenceLogger {
  warn(obj: object, msg: string): void;
}

export interface RedisPresenceOptions {
  url: string;
  keyPrefix: string;
  logger?: RedisPresenceLogger;
}

// Presence in Redis (see scripts.ts for the data layout and why the server's clock is used).
export function createRedisPresence(options: RedisPresenceOptions): Presence {
  // Reconnect attempts at most 500 ms apart, so routes are written again within about a second
  // of Redis being back (ioredis's default backs off to 2 s).
  const redis = new Redis(options.url, { retryStrategy: (times) => Math.min(times * 50, 500) });
  const logger = options.logger;
  let closing: Promise<unknown> | undefined;
  const reconnectListeners: Array<() => void> = [];
  // Health changes are logged once each (lost, restored), not for every failed attempt.
  let connectedOnce = false;
  let healthy = true;
  const lost = (err?: Error) => {
    if (!healthy) return;
    healthy = false;
    logger?.warn({ err }, "redis presence connection lost; reconnecting");
  };
  redis.on("error", (err: Error) => lost(err));
  redis.on("close", () => connectedOnce && !closing && lost());
  redis.on("ready", () => {
    const reconnected = connectedOnce;
    connectedOnce = true;
    if (!reconnected) return;
    if (!healthy) logger?.warn({}, "redis presence connection restored");
    healthy = true;
    for (const listener of reconnectListeners) listener();
  });
  definePresenceScripts(redis);
  const keys = new RedisPresenceKeys(options.keyPrefix);

  const connectionsOf = async (userIds: string[]): Promise<Map<string, ConnectionRoute[]>> => {
    const unique = [...new Set(userIds)];
    const result = new Map<string, ConnectionRoute[]>();
    if (unique.length === 0) return result;
    const pipeline = redis.pipeline();
    for (const userId of unique) pipeline.presenceLive(keys.userConnections(userId));
    const members = (await execOrThrow(pipeline.exec())) as string[][];
    unique.forEach((userId, i) => {
      if (members[i].length > 0) result.set(userId, members[i].map((m) => decodeMember(userId, m)));
    });
    return result;
  };

  return {
    // The route, then the user in the online set (one round trip, in this order): whoever a
    // reader finds in neither was not registered yet when it read.
    async registerConnection(route, ttlMs) {
      checkTtl(ttlMs);
      const replies = await execOrThrow(
        redis.pipeline().presenceRegister(keys.userConnections(route.userId), ttlMs, encodeMember(route)).presenceOnlineAdd(keys.onlineUsers(), keys.onlineSeq(), route.userId).exec(),
      );
      return { cameOnline: replies[0] === 1 };
    },

    async refreshConnections(routes, ttlMs) {
      checkTtl(ttlMs);
      const byUser = groupBy(routes, (r) => r.userId);
      if (byUser.size === 0) return [];
      const pipeline = redis.pipeline();
      const users = [...byUser.keys()];
      for (const userId of users) {
        pipeline.presenceRefresh(keys.userConnections(userId), ttlMs, ...byUser.get(userId)!.map(encodeMember));
      }
      const replies = (await execOrThrow(pipeline.exec())) as string[][];
      return replies.flatMap((missing, i) => missing.map((m) => decodeMember(users[i], m)));
    },

    // The user's online-set score is read before the removal: if this took their last route,
    // they leave the set unless a registration since gave them a new score.
    async removeConnection(route) {
      const [score, wentOffline] = (await execOrThrow(
        redis.pipeline().zscore(keys.onlineUsers(), route.userId).presenceRemove(keys.userConnections(route.userId), encodeMember(route)).exec(),
      )) as [string | null, number];
      if (wentOffline === 1 && score !== null) await redis.presenceOnlinePrune(keys.onlineUsers(), route.userId, score);
      return { wentOffline: wentOffline === 1 };
    },

    connectionsOf,

    // Walks the online set when it lists fewer users than `userIds` has, else looks the set up
    // as connectionsOf does. Listed users without live routes (expired: a gateway died) are
    // pruned if their score has not moved.
    async connectionsAmong(userIds) {
      if (userIds.size === 0) return new Map();
      const listed = await redis.presenceOnlineIfFewer(keys.onlineUsers(), userIds.size);
      if (!listed) return connectionsOf([...userIds.keys()]);
      const scores = new Map<string, string>();
      for (let i = 0; i < listed.length; i += 2) if (userIds.has(listed[i])) scores.set(listed[i], listed[i + 1]);
      const found = await connectionsOf([...scores.keys()]);
      const stale = [...scores].filter(([u]) => !found.has(u)).flat();
      if (stale.length > 0) await redis.presenceOnlinePrune(keys.onlineUsers(), ...stale);
      return found;
    },

    async registerGateway(gatewayId, address, ttlMs) {
      checkTtl(ttlMs);
      await redis.set(keys.gateway(gatewayId), address, "PX", ttlMs);
    },

    async unregisterGateway(gatewayId) {
      await redis.del(keys.gateway(gatewayId));
    },

    async gatewayAddress(gatewayId) {
      return (await redis.get(keys.gateway(gatewayId))) ?? undefined;
    },

    // One pipelined command per chat: chats hash to different slots, and each SADD/SREM is
    // atomic and idempotent on its own.
    async addOnlineInChats(userId, chatIds) {
      if (chatIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const chatId of chatIds) pipeline.sadd(keys.chatOnline(chatId), userId);
      await execOrThrow(pipeline.exec());
    },

    async removeOnlineInChats(userId, chatIds) {
      if (chatIds.length === 0) return;
      const pipeline = redis.pipeline();
      for (const chatId of chatIds) pipeline.srem(keys.chatOnline(chatId), userId);
      await execOrThrow(pipeline.exec());
    },

    async onlineInChats(chatIds) {
      const unique = [...new Set(chatIds)];
      if (unique.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const chatId of unique) pipeline.smembers(keys.chatOnline(chatId));
      const replies = (await execOrThrow(pipeline.exec())) as string[][];
      return [...new Set(replies.flat())];
    },

    async ping() {
      await redis.ping();
    },

    onReconnect(listener) {
      reconnectListeners.push(listener);
    },

    // Idempotent: a second quit() on a closing client would reject.
    async close() {
      closing ??= redis.quit();
      await closing;
    },
  };
}

// Expiry scores and PX need whole positive milliseconds.
function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

// A pipeline resolves per command with [error, result]; surface the first error.
async function execOrThrow(pending: Promise<[Error | null, unknown][] | null>): Promise<unknown[]> {
  const replies = await pending;
  if (!replies) throw new Error("redis pipeline was discarded");
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
