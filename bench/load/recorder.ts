import { performance } from "node:perf_hooks";
import { Histogram } from "../stats/histogram";
import type { Delivery } from "../stats/correctness";
import type { Events } from "./protocols/protocol";

// What one phase of load produced, as the generator saw it: send times, acks, errors and every
// delivery (for the latency histograms and the correctness check). Deliveries of messages sent
// before the phase are ignored.
export class Recorder implements Events {
  readonly sentAt = new Map<string, number>();
  readonly groupOf = new Map<string, string>();
  readonly seqOf = new Map<string, number>();
  readonly acked: Array<{ group: string; id: string }> = [];
  readonly errors = new Map<string, number>();
  readonly received = new Map<string, Delivery[]>();
  readonly ackLatency = new Histogram();
  readonly deliveryLatency = new Histogram();
  // Per message: deliveries so far and when the last one arrived.
  readonly deliveredTo = new Map<string, number>();
  readonly lastDeliveryAt = new Map<string, number>();
  deliveries = 0;
  // Deliveries the acked messages owe (members of their groups on this generator).
  expected = 0;
  errorCount = 0;

  constructor(private readonly membersOf: (group: string) => number) {}

  sent(id: string, group: string): void {
    this.sentAt.set(id, performance.now());
    this.groupOf.set(id, group);
  }

  onAck(id: string, seq: number | undefined): void {
    const at = this.sentAt.get(id);
    if (at === undefined) return;
    this.ackLatency.record(performance.now() - at);
    const group = this.groupOf.get(id)!;
    this.acked.push({ group, id });
    if (seq !== undefined) this.seqOf.set(id, seq);
    this.expected += this.membersOf(group);
  }

  onError(id: string | undefined, code: string): void {
    if (id !== undefined && !this.sentAt.has(id)) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    this.errorCount++;
  }

  onDelivery(conn: string, group: string, id: string, seq: number): void {
    const at = this.sentAt.get(id);
    if (at === undefined) return;
    const now = performance.now();
    this.deliveryLatency.record(now - at);
    this.deliveries++;
    this.deliveredTo.set(id, (this.deliveredTo.get(id) ?? 0) + 1);
    this.lastDeliveryAt.set(id, now);
    let list = this.received.get(conn);
    if (!list) this.received.set(conn, (list = []));
    list.push({ group, id, seq });
  }

  // Every send answered and every answered send delivered to every member.
  complete(): boolean {
    return this.acked.length + this.errorCount >= this.sentAt.size && this.deliveries >= this.expected;
  }
}
