import type { EventRecord } from "../port";

// One append-only partition. Offsets are array indexes, as strings like Kafka's.
export class PartitionLog {
  readonly records: EventRecord[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  append(key: string, value: Uint8Array, headers: Record<string, string>): void {
    this.records.push({ topic: this.topic, partition: this.partition, offset: String(this.records.length), key, value, headers, timestampMs: Date.now() });
  }

  get end(): number {
    return this.records.length;
  }
}
