import type { EventRecord } from "../port";

// Records kept after every group that reads the partition has committed them, for a group that
// joins later with fromBeginning (tests, tools). Small: the store, not the log, is the history.
const RETAINED_TAIL = 256;

// One append-only partition. Offsets are strings like Kafka's and never reused; records before
// `start` are gone, as after Kafka's retention ran out (ADR 0031): those every group has read,
// and, past `maxRecords`, the oldest even if some group has not, so a stuck consumer cannot
// grow the process's memory without bound.
export class PartitionLog {
  private records: EventRecord[] = [];
  private base = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly maxRecords: number,
    private readonly onDropped: (count: number) => void = () => {},
  ) {}

  append(key: string, value: Uint8Array, headers: Record<string, string>): void {
    this.records.push({ topic: this.topic, partition: this.partition, offset: String(this.end), key, value, headers, timestampMs: Date.now() });
    // Trimmed in chunks: shifting an array is O(length).
    if (this.records.length >= this.maxRecords + Math.ceil(this.maxRecords / 8)) {
      const drop = this.records.length - this.maxRecords;
      this.dropBefore(this.base + drop);
      this.onDropped(drop);
    }
  }

  get start(): number {
    return this.base;
  }

  get end(): number {
    return this.base + this.records.length;
  }

  // Up to `max` records from offset `from` (or from `start` if those are gone).
  read(from: number, max: number): EventRecord[] {
    const i = Math.max(from, this.base) - this.base;
    return this.records.slice(i, i + max);
  }

  // Every group reading this partition has committed up to `committed`.
  release(committed: number): void {
    const upTo = Math.min(committed, this.end - RETAINED_TAIL);
    if (upTo - this.base >= RETAINED_TAIL) this.dropBefore(upTo);
  }

  private dropBefore(offset: number): void {
    this.records = this.records.slice(offset - this.base);
    this.base = offset;
  }
}
