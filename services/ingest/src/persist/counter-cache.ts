// The last counter value this replica saw per chat (ADR 0029): the condition of the next
// append. Bounded, least recently used out; a chat that fell out is read again on its next
// send, and a stale value only costs one rejected try (the store returns the current value).
export class CounterCache {
  private readonly values = new Map<string, bigint>();

  constructor(private readonly capacity = 100_000) {}

  get(chatId: string): bigint | undefined {
    const v = this.values.get(chatId);
    if (v !== undefined) {
      // Map keeps insertion order: re-inserting marks the chat as recently used.
      this.values.delete(chatId);
      this.values.set(chatId, v);
    }
    return v;
  }

  set(chatId: string, seq: bigint): void {
    this.values.delete(chatId);
    this.values.set(chatId, seq);
    if (this.values.size > this.capacity) this.values.delete(this.values.keys().next().value!);
  }

  forget(chatId: string): void {
    this.values.delete(chatId);
  }

  get size(): number {
    return this.values.size;
  }
}
