import { randomUUID } from "node:crypto";
import type { Config } from "@chat/config";
import type { EventLog } from "@chat/eventlog";
import { MembershipCache, MembershipInvalidator, withMembershipCache, withMembershipInvalidation, type ClearReason, type ReadKind, type ReadOutcome } from "@chat/membership-cache";
import { Counter, Gauge, type Logger, type Registry } from "@chat/observability";
import type { Store } from "@chat/store";

export interface CachedMembership {
  // The store to hand to the service: member reads from the cache, the rest unchanged.
  store: Store;
  // For a membership writer in the same process (chatmgmt in all-in-one): reads go to the
  // store, and each membership write drops its entries as soon as it is made, before its event
  // is even published. Same as `store` when the cache is off.
  writer: Store;
  // Fanout feeds the membership events of its own batches here (undefined: cache off).
  invalidator?: MembershipInvalidator;
  // A chat's members by user id from the cache, for the fanout's walk of the users online
  // (undefined: cache off; the fanout makes a set from listMembers).
  memberIds?: (chatId: string) => Promise<ReadonlyMap<string, unknown>>;
  stop(): Promise<void>;
}

// The membership cache of one process (ADR 0027, 0034), invalidated by the membership events it
// reads from the event log with a group of its own. Starting never waits for the event log: until
// the invalidation subscription is up (a group join), member reads go to the store.
export function createMembershipCache(config: Config, deps: { store: Store; eventLog: EventLog; logger: Logger; metrics: Registry; service: string }): CachedMembership {
  const { ttlMs, maxRows, maxLagMs } = config.membershipCache;
  if (ttlMs === 0) return { store: deps.store, writer: deps.store, stop: async () => {} };
  const reads = new Counter({ name: "membership_cache_reads_total", help: "Member reads by kind and outcome (hit, miss, bypass)", labelNames: ["read", "outcome"], registers: [deps.metrics] });
  const clears = new Counter({ name: "membership_cache_clears_total", help: "Times the whole membership cache was emptied, by reason", labelNames: ["reason"], registers: [deps.metrics] });
  // Children bound once: a read is on the hot path of every delivery batch.
  const readChildren = new Map<string, Counter.Internal>();
  for (const read of ["members", "member", "user_chats"] satisfies ReadKind[]) {
    for (const outcome of ["hit", "miss", "bypass"] satisfies ReadOutcome[]) readChildren.set(`${read}/${outcome}`, reads.labels({ read, outcome }));
  }
  const cache = new MembershipCache(deps.store, { ttlMs, maxRows }, {
    read: (kind, outcome) => readChildren.get(`${kind}/${outcome}`)!.inc(),
    cleared: (reason: ClearReason) => clears.inc({ reason }),
  });
  new Gauge({
    name: "membership_cache_rows",
    help: "Member rows held by the membership cache",
    registers: [deps.metrics],
    collect() {
      this.set(cache.size.rows);
    },
  });
  const logger = deps.logger.child({ component: "membership-cache" });
  const invalidator = new MembershipInvalidator(
    cache,
    deps.eventLog,
    {
      groupId: `membership-cache-${deps.service}-${randomUUID().slice(0, 8)}`,
      maxLagMs,
      // Kafka's reads stall in an outage, the in-process log's cannot; a Kafka position of a
      // throwaway group is not worth a commit, the in-process log releases records by them.
      ...(config.eventLog.kind === "kafka" ? { stallAfterMs: maxLagMs, commitOffsets: false } : {}),
    },
    logger,
  );
  // Not awaited: joining a consumer group takes a moment, and the event log may be down.
  void invalidator.start();
  return {
    store: withMembershipCache(deps.store, cache),
    writer: withMembershipInvalidation(deps.store, cache),
    invalidator,
    memberIds: (chatId) => cache.memberIds(chatId),
    stop: () => invalidator.stop(),
  };
}
