import { partitionFor } from "@chat/domain";
import type { EventLog, PublishRecord, SubscribeOptions, Subscription, TopicSpec } from "../port";
import { ConsumerGroup, type GroupMember } from "./consumer-group";
import { PartitionLog } from "./partition-log";
import { Signal } from "./signal";

export interface EmbeddedEventLogOptions {
  // Most records a partition keeps before dropping the oldest unread ones (ADR 0031).
  maxRecordsPerPartition: number;
  // Records dropped before every group read them: deliveries a lagging consumer will not make
  // (clients still get those messages by sync). The wiring logs and counts it.
  onDropped?: (topic: string, partition: number, count: number) => void;
}

// In-process stand-in for Kafka (all-in-one mode). Records live in memory only: DynamoDB-style
// state and the outbox are what survive a restart, as with a Kafka topic whose retention ran out.
// A record is released once every group reading its partition has committed it (ADR 0031).
export class EmbeddedEventLog implements EventLog {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private nextMemberId = 1;

  constructor(private readonly options: EmbeddedEventLogOptions = { maxRecordsPerPartition: 10_000 }) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (this.topics.has(spec.name)) continue;
      this.topics.set(
        spec.name,
        Array.from({ length: spec.partitions }, (_, i) => new PartitionLog(spec.name, i, this.options.maxRecordsPerPartition, (n) => this.options.onDropped?.(spec.name, i, n))),
      );
    }
  }

  async publish(topic: string, records: PublishRecord[]): Promise<void> {
    const partitions = this.partitionsOf(topic);
    const touched = new Set<PartitionLog>();
    for (const r of records) {
      const p = partitions[partitionFor(r.key, partitions.length)];
      p.append(r.key, r.value, { ...r.headers });
      touched.add(p);
    }
    for (const g of this.groups.values()) for (const p of touched) g.wake(p);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const partitions = options.topics.flatMap((t) => this.partitionsOf(t));
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup(options.groupId, (p) => this.release(p));
      this.groups.set(options.groupId, group);
    }
    const member: GroupMember = {
      id: this.nextMemberId++,
      topics: new Set(options.topics),
      handleBatch: options.handleBatch,
      stopping: false,
      inFlight: 0,
      idle: new Signal(),
      ...(options.onAssigned ? { onAssigned: options.onAssigned } : {}),
    };
    const g = group;
    g.join(member, partitions, options.fromBeginning ?? false);
    let stopped: Promise<void> | undefined;
    return {
      stop: () => (stopped ??= g.leave(member)),
      assignment: () => g.assignmentOf(member),
      lag: async () => g.lagOf(member),
      healthy: () => stopped === undefined,
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
  }

  private release(p: PartitionLog): void {
    let min = Infinity;
    for (const g of this.groups.values()) {
      const c = g.committedOf(p);
      if (c !== undefined) min = Math.min(min, c);
    }
    if (min !== Infinity) p.release(min);
  }

  private partitionsOf(topic: string): PartitionLog[] {
    const p = this.topics.get(topic);
    if (!p) throw new Error(`topic ${topic} does not exist (call ensureTopics first)`);
    return p;
  }
}

export function createEmbeddedEventLog(options?: EmbeddedEventLogOptions): EventLog {
  return new EmbeddedEventLog(options);
}
