// The positions a subscription has handled but not yet committed, and when to commit them.
// Committing after every batch cost one OffsetCommit request per partition batch (kafkajs
// commits per batch even with autoCommitInterval); at a steady load that is dozens a second
// for the consumer and the broker, for a position that only matters after a crash or a
// handover. Every intervalMs at most (0: after every batch), what has been handled is
// committed in one request for all partitions. Never a position that was not handled, so
// delivery stays at least once; a crash re-delivers at most an interval's records.

export interface TopicOffsets {
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
}

interface Position {
  topic: string;
  partition: number;
  // The next offset to read (the handled record's offset + 1), as Kafka commits it.
  offset: string;
}

export class OffsetCommitter {
  private readonly pending = new Map<string, Position>();
  // Partitions this member has committed since it was last assigned partitions. A partition
  // the group never committed is read from the latest record by the next owner (new groups
  // start at the end), so its first handled position is committed at once: otherwise a member
  // dying within its first interval would lose, not repeat, what was published meanwhile.
  private readonly committedOnce = new Set<string>();
  private lastCommitAt: number;
  // Once the subscription stops, every batch that still finishes commits at once.
  private flushing = false;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastCommitAt = now();
  }

  handled(topic: string, partition: number, nextOffset: string): void {
    this.pending.set(`${topic}\0${partition}`, { topic, partition, offset: nextOffset });
  }

  due(): boolean {
    if (this.pending.size === 0) return false;
    if (this.intervalMs === 0 || this.flushing || this.now() - this.lastCommitAt >= this.intervalMs) return true;
    for (const key of this.pending.keys()) if (!this.committedOnce.has(key)) return true;
    return false;
  }

  flushFromNowOn(): void {
    this.flushing = true;
  }

  // Partitions that went to another member: their positions are that member's to commit now
  // (committing ours could move the group's position backwards).
  keepOnly(assignment: Record<string, number[]>): void {
    for (const [key, p] of this.pending) if (!assignment[p.topic]?.includes(p.partition)) this.pending.delete(key);
    this.committedOnce.clear();
  }

  // Commits everything pending with `commit`; a position handled meanwhile stays pending, and a
  // failed commit leaves them all pending for the next attempt.
  async commit(commit: (offsets: TopicOffsets) => Promise<void>): Promise<void> {
    if (this.pending.size === 0) return;
    const snapshot = [...this.pending.entries()];
    this.lastCommitAt = this.now();
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const [, p] of snapshot) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push({ partition: p.partition, offset: p.offset });
    }
    await commit({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
    for (const [key, p] of snapshot) {
      this.committedOnce.add(key);
      if (this.pending.get(key)?.offset === p.offset) this.pending.delete(key);
    }
  }
}
