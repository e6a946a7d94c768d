import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describePresenceContract } from "../../src/contract";
import { createRedisPresence } from "../../src/redis";

// Runs against the Redis named by CHAT_REDIS_URL (scripts/infra/redis.sh start writes it to
// $CHAT_INFRA_RUN/redis.env). Without it the suite fails rather than skips: an integration run
// that silently tests nothing is worse than a red one.
const url = process.env.CHAT_REDIS_URL;

// Each test gets its own key prefix and deletes its keys afterwards, so a shared Redis is safe.
async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const admin = new Redis(redisUrl);
  try {
    for await (const keys of admin.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await admin.del(...keys);
    }
  } finally {
    await admin.quit();
  }
}

if (!url) {
  test("Redis contract needs CHAT_REDIS_URL", () => {
    throw new Error("CHAT_REDIS_URL is not set: start Redis with scripts/infra/redis.sh start and export the variable from $CHAT_INFRA_RUN/redis.env");
  });
} else {
  describePresenceContract(`redis at ${url}`, async () => {
    const keyPrefix = `chat-contract-${randomUUID()}:`;
    return {
      presence: createRedisPresence({ url, keyPrefix, logger: { warn: (fields, message) => process.stderr.write(`WARN ${message} ${String((fields as { err?: unknown }).err)}\n`) } }),
      cleanup: () => deleteKeys(url, keyPrefix),
    };
  });
}
