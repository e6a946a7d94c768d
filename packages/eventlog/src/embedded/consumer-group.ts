import type { EventBatch } from "../port";
import type { PartitionLog } from "./partition-log";
import { Signal } from "./signal";

export interface GroupMember {
  id: number;
  topics: Set<string>;
  handleBatch(batch: EventBatch): Promise<void>;
  stopping: boolean;
  inFlight: number;
  idle: Signal;
  onAssigned?(assignment: Record<string, number[]>): void;
  // The assignment last reported to onAssigned, to report changes only.
  reported?: string;
}

const MAX_BATCH = 500;
const RETRY_BACKOFF_MS = 50;

// A consumer group over in-process partitions. Each partition has one worker loop for the
// whole group, which hands each batch to the partition's current owner; so a partition is
// processed strictly in order even across rebalances, and a batch is committed only after its
// handler resolved.
export class ConsumerGroup {
  private readonly members: GroupMember[] = [];
  private readonly committed = new Map<PartitionLog, number>();
  private readonly wakeups = new Map<PartitionLog, Signal>();
  private readonly owners = new Map<PartitionLog, GroupMember>();
  private closed = false;

  // onCommit: the group committed a batch of p (the log may release what every group has read).
  constructor(
    readonly groupId: string,
    private readonly onCommit: (p: PartitionLog) => void = () => {},
  ) {}

  committedOf(p: PartitionLog): number | undefined {
    return this.committed.get(p);
  }

  join(member: GroupMember, partitions: PartitionLog[], fromBeginning: boolean): void {
    for (const p of partitions) {
      if (!this.committed.has(p)) {
        this.committed.set(p, fromBeginning ? 0 : p.end);
        this.wakeups.set(p, new Signal());
        void this.run(p);
      }
    }
    this.members.push(member);
    this.rebalance();
  }

  async leave(member: GroupMember): Promise<void> {
    member.stopping = true;
    this.rebalance();
    while (member.inFlight > 0) await member.idle.wait();
    this.members.splice(this.members.indexOf(member), 1);
    this.rebalance();
  }

  // Called when records were appended to p.
  wake(p: PartitionLog): void {
    this.wakeups.get(p)?.notify();
  }

  assignmentOf(member: GroupMember): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [p, owner] of this.owners) if (owner === member) (out[p.topic] ??= []).push(p.partition);
    for (const list of Object.values(out)) list.sort((a, b) => a - b);
    return out;
  }

  lagOf(member: GroupMember): number {
    let lag = 0;
    for (const [p, owner] of this.owners) if (owner === member) lag += p.end - Math.max(this.committed.get(p) ?? 0, p.start);
    return lag;
  }

  close(): void {
    this.closed = true;
    for (const s of this.wakeups.values()) s.notify();
  }

  // Round-robin over live members that subscribe to the partition's topic, stable by join order.
  private rebalance(): void {
    const byTopic = new Map<string, PartitionLog[]>();
    for (const p of this.committed.keys()) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(p);
      byTopic.set(p.topic, list);
    }
    this.owners.clear();
    for (const [topic, parts] of byTopic) {
      const live = this.members.filter((m) => !m.stopping && m.topics.has(topic));
      if (live.length === 0) continue;
      parts.sort((a, b) => a.partition - b.partition);
      parts.forEach((p, i) => this.owners.set(p, live[i % live.length]));
    }
    for (const m of this.members) {
      if (m.stopping || !m.onAssigned) continue;
      const assignment = this.assignmentOf(m);
      const key = JSON.stringify(assignment);
      if (key === m.reported) continue;
      m.reported = key;
      m.onAssigned(assignment);
    }
    for (const s of this.wakeups.values()) s.notify();
  }

  private async run(p: PartitionLog): Promise<void> {
    const wakeup = this.wakeups.get(p)!;
    while (!this.closed) {
      const owner = this.owners.get(p);
      // Past the committed offset if the log dropped records this group had not read yet.
      const from = Math.max(this.committed.get(p)!, p.start);
      if (!owner || owner.stopping || from >= p.end) {
        await wakeup.wait();
        continue;
      }
      const records = p.read(from, MAX_BATCH);
      owner.inFlight++;
      try {
        await owner.handleBatch({ topic: p.topic, partition: p.partition, records });
        this.committed.set(p, from + records.length);
        this.onCommit(p);
      } catch {
        // At-least-once: the same records are handed out again after a short pause.
        await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS));
      } finally {
        owner.inFlight--;
        if (owner.inFlight === 0) owner.idle.notify();
      }
    }
  }
}
