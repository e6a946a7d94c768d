import type { EventLog, EventRecord, Subscription } from "@chat/eventlog";
import type { MembershipCache } from "./membership-cache";
import { changeOf, MEMBERSHIP_TOPICS } from "./membership-events";

export interface InvalidatorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface InvalidatorOptions {
  // Each process reads every membership event, so each has a group of its own.
  groupId: string;
  // An event older than this when it arrives means the cache may have served stale members
  // for that long: everything is dropped, not just what the event names.
  maxLagMs: number;
  // Pause between attempts to subscribe while the event log is unreachable.
  retryMs?: number;
  // For an event log whose reads can stall (Kafka, which reports each fetch): when no fetch
  // completed for this long, invalidations may be missing, so the cache is emptied and bypassed
  // until the next fetch. Undefined: the log's reads cannot stall (the in-process log).
  stallAfterMs?: number;
  // false for Kafka: the group is a throwaway (it starts from the end and the cache is emptied
  // on every assignment), so committing its position would only load the broker. The
  // in-process log keeps positions in memory and releases the records every group has passed
  // by them, so there it stays true (the default).
  commitOffsets?: boolean;
  now?: () => number;
}

// Keeps a MembershipCache fresh from `memberships.changed` and `chats.created`, read from the
// end of the log by a group of this process's own that never commits (ADR 0034). The cache
// serves entries only while that reader keeps up: before it started, while its fetches stall
// (a Kafka outage), after it failed and after stop() every read goes to the store, so the
// callers (fanout deliveries, gateway checks) never wait for it. On every (re)assignment the
// cache is emptied (the reader starts again from the end and may have missed events).
export class MembershipInvalidator {
  private subscription: Subscription | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private health: NodeJS.Timeout | undefined;
  private lastFetch = 0;
  private stalled = false;
  private readonly now: () => number;

  constructor(
    private readonly cache: MembershipCache,
    private readonly eventLog: EventLog,
    private readonly options: InvalidatorOptions,
    private readonly logger: InvalidatorLogger,
  ) {
    this.now = options.now ?? Date.now;
  }

  // Resolves once the first attempt to subscribe succeeded or failed; a failure is retried in
  // the background (the cache is bypassed meanwhile). Never rejects.
  async start(): Promise<void> {
    await this.attempt();
  }

  // For the fanout, which reads the same events in its own group: applying them there before
  // the batch's member reads makes its deliveries see the change without waiting for this
  // process's invalidation consumer.
  applyRecords(records: readonly EventRecord[]): void {
    for (const record of records) {
      const change = changeOf(record);
      if (change) this.cache.apply(change);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.health);
    this.cache.setActive(false);
    await this.subscription?.stop();
  }

  // The reader is keeping up again: entries may be kept from now on (whatever was missed
  // while it stalled comes with its next batches, or the cache was emptied at reassignment).
  private fetched(): void {
    this.lastFetch = this.now();
    if (!this.stalled || this.stopped || !this.subscription) return;
    this.stalled = false;
    this.cache.setActive(true);
    this.logger.info({ groupId: this.options.groupId }, "membership events read again; membership cache active");
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      // The topics are not created here: a second creator racing the service's own
      // ensureTopics made that one fail. Until they exist, subscribing fails and is retried.
      const subscription = await this.eventLog.subscribe({
        groupId: this.options.groupId,
        topics: MEMBERSHIP_TOPICS.map((t) => t.name),
        handleBatch: async (batch) => {
          const lag = this.now() - Math.min(...batch.records.map((r) => r.timestampMs));
          if (lag > this.options.maxLagMs) this.cache.clear("lag");
          else this.applyRecords(batch.records);
        },
        onAssigned: () => this.cache.clear("assigned"),
        onFetch: () => this.fetched(),
        commitOffsets: this.options.commitOffsets ?? true,
      });
      if (this.stopped) {
        await subscription.stop();
        return;
      }
      this.subscription = subscription;
      // subscribe() resolved after the first fetch.
      this.lastFetch = this.now();
      this.stalled = false;
      this.cache.setActive(true);
      this.logger.info({ groupId: this.options.groupId }, "membership cache active");
      const { stallAfterMs } = this.options;
      this.health = setInterval(() => {
        if (this.stopped) return;
        if (stallAfterMs !== undefined && !this.stalled && this.now() - this.lastFetch > stallAfterMs) {
          this.stalled = true;
          this.cache.setActive(false);
          this.logger.warn({ groupId: this.options.groupId, stallAfterMs }, "membership events not read for a while; reading members from the store until they are");
        }
        // A consumer that failed for good delivers no more invalidations: bypass the cache and
        // subscribe again.
        if (subscription.healthy()) return;
        clearInterval(this.health);
        this.cache.setActive(false);
        this.subscription = undefined;
        this.logger.warn({ groupId: this.options.groupId }, "membership cache invalidation stopped; reading members from the store until it is back");
        void subscription.stop().catch(() => undefined).then(() => this.attempt());
      }, Math.min(1000, stallAfterMs ?? 1000));
      this.health.unref();
    } catch (err) {
      this.logger.warn({ err, groupId: this.options.groupId }, "membership cache cannot subscribe to membership events yet; reading members from the store meanwhile");
      this.retry = setTimeout(() => void this.attempt(), this.options.retryMs ?? 2000);
      this.retry.unref();
    }
  }
}
