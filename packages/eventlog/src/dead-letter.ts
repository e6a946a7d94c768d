import { DEAD_LETTER_HEADERS, TOPICS } from "@chat/domain";
import type { EventBatch, EventLog, EventRecord } from "./port";

export interface DeadLetterOptions {
  // Attempts per record once the batch as a whole failed.
  maxAttempts: number;
  backoffMs: number;
  // Only errors this accepts divert a record; any other error (a store or network outage)
  // fails the batch so it is redelivered rather than dead-lettered. Default: every error.
  isPoison?(error: unknown): boolean;
  onDeadLetter?(record: EventRecord, error: unknown): void;
}

// Wraps a batch handler so one poison event cannot stall a partition: if the batch fails, its
// records are retried one by one with bounded attempts, and a record that still fails is
// published to dead_letters (original key and bytes, provenance in headers). The wrapped
// handler then resolves, so the offsets are committed and the consumer moves on.
export function withDeadLetters(
  log: EventLog,
  handleBatch: (batch: EventBatch) => Promise<void>,
  opts: DeadLetterOptions,
): (batch: EventBatch) => Promise<void> {
  return async (batch) => {
    try {
      await handleBatch(batch);
      return;
    } catch {
      // fall through to record-by-record processing
    }
    for (const record of batch.records) {
      let lastError: unknown;
      let ok = false;
      for (let attempt = 1; attempt <= opts.maxAttempts && !ok; attempt++) {
        try {
          await handleBatch({ ...batch, records: [record] });
          ok = true;
        } catch (e) {
          lastError = e;
          if (attempt < opts.maxAttempts) await new Promise((r) => setTimeout(r, opts.backoffMs * attempt));
        }
      }
      if (ok) continue;
      if (opts.isPoison && !opts.isPoison(lastError)) throw lastError;
      await log.publish(TOPICS.deadLetters.name, [
        {
          key: record.key,
          value: record.value,
          headers: {
            ...record.headers,
            [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
            [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
            [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
            [DEAD_LETTER_HEADERS.error]: String(lastError instanceof Error ? lastError.message : lastError).slice(0, 1000),
            [DEAD_LETTER_HEADERS.attempts]: String(opts.maxAttempts),
          },
        },
      ]);
      opts.onDeadLetter?.(record, lastError);
    }
  };
}
