import type { EventLog } from "@chat/eventlog";
import type { Logger } from "@chat/observability";
import type { OutboxEntry, Store } from "@chat/store";

// Publishes outbox entries and deletes them once the event log acknowledged them. The request
// path publishes at once; the periodic drain picks up whatever that missed (event log down,
// process crash between commit and publish), so an acknowledged write is never lost.
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  // Entries younger than this are still being published by the request path.
  private readonly graceMs: number;

  constructor(
    private readonly store: Store,
    private readonly eventLog: EventLog,
    private readonly logger: Logger,
    private readonly opts: { intervalMs: number; graceMs?: number; batch?: number },
  ) {
    this.graceMs = opts.graceMs ?? opts.intervalMs;
  }

  async publishNow(entry: OutboxEntry): Promise<void> {
    try {
      await this.eventLog.publish(entry.topic, [toRecord(entry)]);
      await this.store.deleteOutbox([entry]);
    } catch (err) {
      // Stored is what counts for the sender; the drain retries the publication.
      this.logger.warn({ err, outboxId: entry.id }, "publish failed; left in outbox");
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.drain(), this.opts.intervalMs);
    this.timer.unref();
  }

  drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => (this.draining = undefined));
    return this.draining;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.draining;
  }

  private async drainOnce(): Promise<void> {
    try {
      // Entries younger than the grace period are still being published by the request path.
      const cutoff = Date.now() - this.graceMs;
      const due = (await this.store.listOutbox(this.opts.batch ?? 500)).filter((e) => e.createdAtMs <= cutoff);
      for (const e of due) {
        await this.eventLog.publish(e.topic, [toRecord(e)]);
        await this.store.deleteOutbox([e]);
      }
      if (due.length > 0) this.logger.info({ published: due.length }, "outbox drained");
    } catch (err) {
      this.logger.warn({ err }, "outbox drain failed; will retry");
    }
  }
}

function toRecord(e: OutboxEntry) {
  return { key: e.key, value: e.payload, headers: { ...e.headers, "x-outbox-id": e.id } };
}
