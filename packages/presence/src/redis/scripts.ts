import type { Redis, Result } from "ioredis";

// Lua scripts over one user's sorted set (member `gatewayId|connectionId`, score = expiry in
// epoch ms). Every script reads the clock with Redis TIME, so expiry is decided by one clock —
// the server's — and skew between gateway hosts cannot make a route live too long or expire
// early. (Redis >= 5 replicates scripts by effects, so TIME before writes is allowed.)
//
// A route is live while its score > now. Each writing script first prunes expired members so
// "came online" / "went offline" are judged on live routes only, then sets the key to expire
// with its latest member, so an abandoned user key disappears on its own.

const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

const WRITE_PRELUDE = `${NOW}
local function prune(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
end
local function expireWithLatest(key)
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if latest[2] then redis.call('PEXPIREAT', key, tonumber(latest[2])) end
end
`;

// KEYS[1] user key; ARGV[1] ttl ms, ARGV[2] member. Returns 1 when the user came online.
const REGISTER = `${WRITE_PRELUDE}
prune(KEYS[1])
local wasOffline = redis.call('ZCARD', KEYS[1]) == 0
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
expireWithLatest(KEYS[1])
if wasOffline then return 1 end
return 0
`;

// KEYS[1] user key; ARGV[1] member. Returns 1 when this removed the user's last live route.
const REMOVE = `${WRITE_PRELUDE}
prune(KEYS[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
expireWithLatest(KEYS[1])
return 0
`;

// KEYS[1] user key; ARGV[1] ttl ms, ARGV[2..] members. ZADD XX only updates members that are
// still there, so a heartbeat racing a removal (or arriving after expiry) never revives a route.
const REFRESH = `${WRITE_PRELUDE}
prune(KEYS[1])
local expiry = now + tonumber(ARGV[1])
local missing = {}
for i = 2, #ARGV do
  if redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i]) == 0 and not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    missing[#missing + 1] = ARGV[i]
  end
end
expireWithLatest(KEYS[1])
return missing
`;

// KEYS[1] user key. Live members; read-only (expired ones are left for the next write to prune).
const LIVE = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`;

// The users online, for connectionsAmong (ADR 0036): a sorted set of user ids scored by a
// counter that every registration increments (KEYS share the `{online}` hash tag, so the
// scripts stay single-slot). It may list users who are no longer online (it is never written
// by expiry, and removals are conditional): readers confirm with the routes. A user is removed
// only if their score is still the one read before their routes were found empty, so a user
// who registered meanwhile (a new score) is never removed.

// KEYS[1] online set, KEYS[2] its counter; ARGV[1] user.
const ONLINE_ADD = `
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1])
return 1
`;

// KEYS[1] online set; ARGV[1] n. The listed users and their scores (flat) when fewer than n
// are listed; nil otherwise (the caller then looks its own set up).
const ONLINE_IF_FEWER = `
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
`;

// KEYS[1] online set; ARGV user, score, user, score, ...: removes each user still at that score.
const ONLINE_PRUNE = `
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return n
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    presenceRegister(key: string, ttlMs: number, member: string): Result<number, Context>;
    presenceRemove(key: string, member: string): Result<number, Context>;
    // Returns the members that were not live (and were not refreshed).
    presenceRefresh(key: string, ttlMs: number, ...members: string[]): Result<string[], Context>;
    presenceLive(key: string): Result<string[], Context>;
    presenceOnlineAdd(onlineKey: string, seqKey: string, userId: string): Result<number, Context>;
    presenceOnlineIfFewer(onlineKey: string, n: number): Result<string[] | null, Context>;
    presenceOnlinePrune(onlineKey: string, ...userScorePairs: string[]): Result<number, Context>;
  }
}

export function definePresenceScripts(redis: Redis): void {
  redis.defineCommand("presenceRegister", { numberOfKeys: 1, lua: REGISTER });
  redis.defineCommand("presenceRemove", { numberOfKeys: 1, lua: REMOVE });
  redis.defineCommand("presenceRefresh", { numberOfKeys: 1, lua: REFRESH });
  redis.defineCommand("presenceLive", { numberOfKeys: 1, lua: LIVE, readOnly: true });
  redis.defineCommand("presenceOnlineAdd", { numberOfKeys: 2, lua: ONLINE_ADD });
  redis.defineCommand("presenceOnlineIfFewer", { numberOfKeys: 1, lua: ONLINE_IF_FEWER, readOnly: true });
  redis.defineCommand("presenceOnlinePrune", { numberOfKeys: 1, lua: ONLINE_PRUNE });
}
