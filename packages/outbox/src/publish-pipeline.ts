import type { OutboxEntry } from "@chat/store";

// Request-path publication in commit order with one publication in flight: what is handed
// over meanwhile goes out together in the next one (many records per event-log request, one
// outbox delete per round). Handing over in commit order is enough to keep each chat's events
// in seq order, since the next round starts only after the previous one finished.
export class PublishPipeline {
  private queued: OutboxEntry[] = [];
  private running?: Promise<void>;

  constructor(private readonly publish: (entries: OutboxEntry[]) => Promise<void>) {}

  enqueue(entries: readonly OutboxEntry[]): void {
    if (entries.length === 0) return;
    this.queued.push(...entries);
    this.running ??= this.run();
  }

  // Entries handed over and not yet through a publication round.
  pending(): number {
    return this.queued.length;
  }

  // Resolves once everything handed over so far went through (graceful shutdown).
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const round = this.queued;
        this.queued = [];
        // publish is expected not to throw (OutboxRelay.publishMany leaves failures to the
        // drain); a throw must not stop the pipeline, and the outbox still holds the entries.
        await this.publish(round).catch(() => undefined);
      }
    } finally {
      this.running = undefined;
    }
  }
}
