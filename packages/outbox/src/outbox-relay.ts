import { randomUUID } from "node:crypto";
import type { EventLog } from "@chat/eventlog";
import { DependencyHealth, type Logger } from "@chat/observability";
import { OUTBOX_SHARDS, outboxShardOf, type OutboxEntry, type Store } from "@chat/store";
import { publishPlan } from "./publish-order";

export interface OutboxRelayOptions {
  // Drain period.
  intervalMs: number;
  // Entries younger than this are still being published by the request path. Default intervalMs.
  graceMs?: number;
  // Entries per drain round: one listing, one publish per topic, one delete. Default 500.
  batch?: number;
  // How long a drain lease lasts without renewal (a dead relay's shards are taken over after
  // it). Default max(10 × intervalMs, 5 s).
  leaseTtlMs?: number;
  // Lease owner id; unique per relay. Default a random UUID.
  owner?: string;
  // Every shard is drained at least this often; in between, a period drains only when this
  // relay left entries behind (a failed publication or delete). What else can be in the
  // outbox was left by another replica (a crash between commit and publish, a lease that
  // passed here) and waits at most this long. Default 5 × intervalMs.
  sweepMs?: number;
}

// Publishes outbox entries and deletes them once the event log acknowledged them (ADR 0003,
// 0014). The request path publishes at once; the periodic drain picks up whatever that missed
// (event log down, process crash between commit and publish), so an acknowledged write is
// never lost. Each outbox shard is drained by one relay at a time (a lease in the store), in
// batches, each chat's events in seq order.
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private readonly graceMs: number;
  private readonly batch: number;
  private readonly leaseTtlMs: number;
  private readonly sweepMs: number;
  // When the last drain of every shard started (0: never).
  private lastSweepAt = 0;
  readonly owner: string;
  private readonly held = new Set<number>();
  // Keys whose request-path publish failed here, with the entries this relay has left in the
  // outbox for them (id -> when). Later entries of such a key are left to the drain too, which
  // publishes them after the older ones: publishing them now would overtake those. A key is
  // back to normal once every entry it left behind is known to be gone.
  private readonly behind = new Map<string, Map<string, number>>();
  // An outage is logged once when it starts and once when it ends, not per entry or per round.
  private readonly eventLogHealth: DependencyHealth;
  private readonly storeHealth: DependencyHealth;

  constructor(
    private readonly store: Store,
    private readonly eventLog: EventLog,
    private readonly logger: Logger,
    private readonly opts: OutboxRelayOptions,
  ) {
    this.graceMs = opts.graceMs ?? opts.intervalMs;
    this.batch = opts.batch ?? 500;
    this.leaseTtlMs = opts.leaseTtlMs ?? Math.max(10 * opts.intervalMs, 5000);
    this.sweepMs = opts.sweepMs ?? 5 * opts.intervalMs;
    this.owner = opts.owner ?? randomUUID();
    this.eventLogHealth = new DependencyHealth("event log (outbox publication)", logger);
    this.storeHealth = new DependencyHealth("store (outbox drain)", logger);
  }

  publishNow(entry: OutboxEntry): Promise<void> {
    return this.publishMany([entry]);
  }

  // The request path for many entries at once (ingest's group commit): one publish per topic
  // with all their records, then one deleteOutbox for those the event log acknowledged. A
  // key's entries go out in seq order. Never throws: what fails stays in the outbox for the
  // drain, and the keys concerned are left to the drain from then on (see `behind`).
  async publishMany(entries: readonly OutboxEntry[]): Promise<void> {
    const now: OutboxEntry[] = [];
    for (const e of entries) {
      const waiting = this.behind.get(e.key);
      if (waiting) waiting.set(e.id, Date.now());
      else now.push(e);
    }
    if (now.length === 0) return;
    const published: OutboxEntry[] = [];
    for (const { topic, entries: group } of publishPlan(now)) {
      try {
        await this.eventLog.publish(topic, group.map(toRecord));
      } catch (err) {
        this.leaveBehind(group);
        // Stored is what counts for the sender; the drain retries the publication.
        this.eventLogHealth.failed(err);
        this.logger.debug({ err, entries: group.length }, "publish failed; left in outbox");
        continue;
      }
      this.eventLogHealth.ok();
      published.push(...group);
    }
    if (published.length === 0) return;
    try {
      await this.store.deleteOutbox(published);
    } catch (err) {
      // Still listed: the drain publishes them again (at-least-once), and their chats' later
      // entries wait behind them so they cannot overtake that republication.
      this.leaveBehind(published);
      this.storeHealth.failed(err);
      this.logger.debug({ err, entries: published.length }, "outbox delete failed; left to the drain");
    }
  }

  private leaveBehind(entries: readonly OutboxEntry[]): void {
    const at = Date.now();
    for (const e of entries) {
      let waiting = this.behind.get(e.key);
      if (!waiting) this.behind.set(e.key, (waiting = new Map<string, number>()));
      waiting.set(e.id, at);
    }
  }

  // Periodic drains. The request path publishes and deletes what it commits, so an idle or
  // healthy relay has nothing to drain: a drain lists and leases every shard (two store requests
  // each), which every period cost DynamoDB 16 requests a second per replica doing nothing.
  start(): void {
    this.timer = setInterval(() => {
      if (this.behind.size > 0 || Date.now() - this.lastSweepAt >= this.sweepMs) void this.drain();
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => (this.draining = undefined));
    return this.draining;
  }

  // Stops the timer and waits for a running drain.
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.draining;
  }

  // Gives up the leases this relay holds (at shutdown, after the last drain), so another
  // replica's relay takes over at once instead of after the lease expires.
  async releaseLeases(): Promise<void> {
    await this.draining;
    await Promise.all(
      [...this.held].map((shard) =>
        this.store.releaseOutboxLease(shard, this.owner).catch((err: unknown) => this.logger.warn({ err, shard }, "releasing an outbox lease failed")),
      ),
    );
    this.held.clear();
  }

  private async drainOnce(): Promise<void> {
    this.lastSweepAt = Date.now();
    let published = 0;
    for (let shard = 0; shard < OUTBOX_SHARDS; shard++) {
      try {
        published += await this.drainShard(shard);
        this.storeHealth.ok();
      } catch (err) {
        if (err instanceof PublishFailed) this.eventLogHealth.failed(err.cause);
        else this.storeHealth.failed(err);
        this.logger.debug({ err, shard }, "outbox drain failed; will retry");
      }
    }
    if (published > 0) this.logger.info({ published }, "outbox drained");
  }

  // Returns how many entries it published.
  private async drainShard(shard: number): Promise<number> {
    if (!(await this.store.acquireOutboxLease(shard, this.owner, this.leaseTtlMs))) {
      this.held.delete(shard);
      if (this.hasBehind(shard)) {
        const startedAt = Date.now();
        this.forgetAbsent(shard, await this.store.listOutboxShard(shard, this.batch), startedAt);
      }
      return 0;
    }
    this.held.add(shard);
    let published = 0;
    for (;;) {
      const startedAt = Date.now();
      const cutoff = startedAt - this.graceMs;
      const listed = await this.store.listOutboxShard(shard, this.batch);
      const due = duePrefix(listed, cutoff);
      for (const { topic, entries } of publishPlan(due)) {
        try {
          await this.eventLog.publish(topic, entries.map(toRecord));
        } catch (err) {
          throw new PublishFailed(err);
        }
        this.eventLogHealth.ok();
      }
      if (due.length > 0) await this.store.deleteOutbox(due);
      this.forgetPublished(due);
      this.forgetAbsent(shard, listed, startedAt);
      published += due.length;
      if (due.length < this.batch) return published;
      // A long backlog: renew the lease between rounds, and stop if it was lost meanwhile.
      if (!(await this.store.acquireOutboxLease(shard, this.owner, this.leaseTtlMs))) {
        this.held.delete(shard);
        return published;
      }
    }
  }

  private hasBehind(shard: number): boolean {
    for (const key of this.behind.keys()) if (outboxShardOf(key) === shard) return true;
    return false;
  }

  private forgetPublished(entries: OutboxEntry[]): void {
    for (const e of entries) this.forget(e.key, e.id);
  }

  // An entry left behind is gone (drained by another relay, or by this one under an earlier
  // lease) when a complete listing of its shard, started after it was left, does not show it.
  private forgetAbsent(shard: number, listed: OutboxEntry[], startedAt: number): void {
    if (listed.length >= this.batch) return; // not the whole shard: cannot tell
    const present = new Set(listed.map((e) => e.id));
    for (const [key, waiting] of [...this.behind]) {
      if (outboxShardOf(key) !== shard) continue;
      for (const [id, leftAt] of [...waiting]) if (leftAt < startedAt && !present.has(id)) this.forget(key, id);
    }
  }

  private forget(key: string, id: string): void {
    const waiting = this.behind.get(key);
    if (!waiting?.delete(id)) return;
    if (waiting.size === 0) this.behind.delete(key);
  }
}

// The entries old enough to drain. A key's entries are listed in the order they must be
// published, so a young one (the request path may still be publishing it) holds back the
// rest of its key rather than letting a later one overtake it.
function duePrefix(listed: OutboxEntry[], cutoff: number): OutboxEntry[] {
  const blocked = new Set<string>();
  const due: OutboxEntry[] = [];
  for (const e of listed) {
    if (blocked.has(e.key)) continue;
    if (e.createdAtMs > cutoff) blocked.add(e.key);
    else due.push(e);
  }
  return due;
}

function toRecord(e: OutboxEntry) {
  return { key: e.key, value: e.payload, headers: { ...e.headers, "x-outbox-id": e.id } };
}

// Tells a failed publication (the event log) from a failed store call in the same drain round.
class PublishFailed extends Error {
  constructor(cause: unknown) {
    super("publishing outbox entries failed", { cause });
  }
}
