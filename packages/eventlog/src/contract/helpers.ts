import { randomUUID } from "node:crypto";
import type { EventBatch, EventRecord, PublishRecord } from "../port";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Topic and group names unique per test, so runs against a shared broker never collide.
// Kafka warns about names mixing '.' and '_', so only '-' is used.
export function uniqueName(kind: "topic" | "group"): string {
  return `contract-${kind}-${randomUUID().slice(0, 12)}`;
}

export function record(key: string, text: string, headers?: Record<string, string>): PublishRecord {
  return { key, value: encoder.encode(text), ...(headers ? { headers } : {}) };
}

export function textOf(r: EventRecord): string {
  return decoder.decode(r.value);
}

// Polls until check() holds; the only way these tests wait, so a slow adapter is given time
// without fixed sleeps and a broken one fails with a message saying what never happened.
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A batch handler that records what it handled and checks the port's promises about batches:
// one topic-partition per batch, offsets increasing within it, and never two batches of the
// same partition at once.
export class Collector {
  readonly records: EventRecord[] = [];
  readonly violations: string[] = [];
  private readonly inFlight = new Set<string>();

  constructor(private readonly process: (batch: EventBatch) => Promise<void> = async () => {}) {}

  readonly handleBatch = async (batch: EventBatch): Promise<void> => {
    const slot = `${batch.topic}/${batch.partition}`;
    if (this.inFlight.has(slot)) this.violations.push(`two batches of ${slot} at once`);
    this.inFlight.add(slot);
    try {
      let previous = -1n;
      for (const r of batch.records) {
        if (r.topic !== batch.topic || r.partition !== batch.partition) this.violations.push(`record of ${r.topic}/${r.partition} in a batch of ${slot}`);
        if (BigInt(r.offset) <= previous) this.violations.push(`offset ${r.offset} after ${previous} in ${slot}`);
        previous = BigInt(r.offset);
      }
      await this.process(batch);
      this.records.push(...batch.records);
    } finally {
      this.inFlight.delete(slot);
    }
  };

  texts(): string[] {
    return this.records.map(textOf);
  }
}
