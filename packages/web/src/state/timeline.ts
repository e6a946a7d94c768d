// One chat's messages as the page shows them: stored messages ordered by seq (each once), plus
// the user's own sends that have no ack yet. Pure data, no DOM.
export interface ShownMessage {
  seq?: bigint;
  clientMessageId: string;
  senderId: string;
  body: string;
  createdAt?: Date;
  // pending: sent, no ack yet; failed: refused for good (error says why).
  status: "stored" | "pending" | "failed";
  error?: string;
}

export class Timeline {
  private readonly stored = new Map<bigint, ShownMessage>();
  private readonly pending = new Map<string, ShownMessage>();
  // Lowest seq loaded so far; 1n (or nothing older) means the start of the chat is shown.
  oldestSeq: bigint | undefined;
  reachedStart = false;

  // A message from a push, a sync or a history page. Returns false if it was already there.
  add(m: { seq: bigint; clientMessageId: string; senderId: string; body: string; createdAt?: Date }): boolean {
    if (this.stored.has(m.seq)) return false;
    this.stored.set(m.seq, { ...m, status: "stored" });
    this.pending.delete(m.clientMessageId);
    if (this.oldestSeq === undefined || m.seq < this.oldestSeq) this.oldestSeq = m.seq;
    if (m.seq === 1n) this.reachedStart = true;
    return true;
  }

  addPending(clientMessageId: string, senderId: string, body: string): void {
    this.pending.set(clientMessageId, { clientMessageId, senderId, body, status: "pending" });
  }

  fail(clientMessageId: string, error: string): void {
    const p = this.pending.get(clientMessageId);
    if (p) this.pending.set(clientMessageId, { ...p, status: "failed", error });
  }

  dismiss(clientMessageId: string): void {
    this.pending.delete(clientMessageId);
  }

  get lastSeq(): bigint {
    let last = 0n;
    for (const s of this.stored.keys()) if (s > last) last = s;
    return last;
  }

  // Stored messages by seq, then unacknowledged sends in the order they were made.
  list(): ShownMessage[] {
    const stored = [...this.stored.values()].sort((a, b) => (a.seq! < b.seq! ? -1 : a.seq! > b.seq! ? 1 : 0));
    return [...stored, ...this.pending.values()];
  }
}
