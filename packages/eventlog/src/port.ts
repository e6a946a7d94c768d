// The event log port (Kafka in distributed mode, an in-process log in all-in-one mode).
//
// Contract:
// - publish() resolves only when every record is durably appended (acks=all for Kafka).
//   Records with the same key land on the same partition (partitionFor in @chat/domain) and
//   keep their publish order.
// - subscribe() joins a consumer group. Each partition is owned by one member of the group at
//   a time; handleBatch is called with consecutive records of one partition, one batch at a
//   time per partition. The batch's offsets are committed only after handleBatch resolves; if
//   it rejects, the same records are delivered again (at-least-once).
// - When a member stops, its partitions move to the remaining members, which resume from the
//   last committed offset.

export type Headers = Record<string, string>;

export interface PublishRecord {
  key: string;
  value: Uint8Array;
  headers?: Headers;
}

export interface EventRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Uint8Array;
  headers: Headers;
  timestampMs: number;
}

export interface EventBatch {
  topic: string;
  partition: number;
  records: EventRecord[];
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  // Where a group with no committed offset starts. Default: latest.
  fromBeginning?: boolean;
  handleBatch(batch: EventBatch): Promise<void>;
  // Called with this member's partitions each time the group hands them out: when it joins,
  // at every rebalance and when a failed consumer rejoins. A reader that keeps state derived
  // from the stream (a cache it invalidates) resets it here, since a member that was out of
  // the group may have missed records meanwhile.
  onAssigned?(assignment: Record<string, number[]>): void;
  // Called after every round of reads from the log, with records or not (Kafka: each fetch,
  // at least every CONSUMER_MAX_WAIT_MS while the broker answers). A reader whose state is only
  // right while it keeps up (a cache it invalidates) notices a stalled read by its absence. An
  // in-process log, whose reads cannot stall, need not call it.
  onFetch?(): void;
  // false: the group's position is never committed (a reader with a throwaway group of its
  // own that starts from the latest record each time); it then writes nothing to the log.
  // Default true. Kafka only: the in-process log keeps positions in memory anyway and releases
  // records by them, so it ignores this.
  commitOffsets?: boolean;
}

export interface Subscription {
  // Waits for the in-flight batch, commits, leaves the group.
  stop(): Promise<void>;
  // Partitions currently owned by this member, per topic (for tests and metrics).
  assignment(): Record<string, number[]>;
  // Records not yet committed by this group across its assigned partitions.
  lag(): Promise<number>;
  // False once the subscription stopped, or its consumer failed for good (readiness probes).
  healthy(): boolean;
}

export interface EventLog {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  publish(topic: string, records: PublishRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  // Cheap reachability check for /ready: rejects when the log cannot be reached.
  ping(): Promise<void>;
  close(): Promise<void>;
}
