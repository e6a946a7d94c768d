import { codec } from "./codec";
import type { GroupCommit, Write } from "./group-commit";
import { key } from "./key-layout";
import type { LevelDb } from "./level-db";

// Idempotency records expire (CHAT_IDEMPOTENCY_TTL_MS); reads already ignore expired ones. This
// deletes them so that the data on disk stays proportional to the messages, as DynamoDB's TTL
// does, and LevelDB's compaction then reclaims their space. It walks the expiry index (x#, by
// expiry time) and deletes a record only if it is still expired: a send that reused the key
// after expiry wrote a newer record, which stays.

const PAGE = 1000;

export class ExpirySweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly db: LevelDb,
    private readonly commit: GroupCommit,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep(Date.now()).finally(() => (this.running = undefined));
      // A failed sweep is retried at the next interval; the store reports write failures to
      // its callers.
      this.running.catch(() => undefined);
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  // Deletes every record expired at `nowMs`; returns how many.
  async sweep(nowMs: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const expiryKeys = await this.db.keys({ ...key.expiredBefore(nowMs), limit: PAGE }).all();
      if (expiryKeys.length === 0) return deleted;
      const writes: Write[] = [];
      for (const k of expiryKeys) {
        writes.push({ key: k, value: null });
        const recordKey = key.idempotencyFromExpiry(k);
        const raw = this.commit.get(recordKey);
        if (raw && codec.idempotency.decode(raw).expiresAtMs <= nowMs) {
          writes.push({ key: recordKey, value: null });
          deleted++;
        }
      }
      await this.commit.stage(writes);
      if (expiryKeys.length < PAGE) return deleted;
    }
  }
}
