// Per connection and chat, pushed messages only move forward: a message at or below the last
// pushed seq (a duplicate from at-least-once delivery, or one that arrived late) is dropped.
// The client sees any gap and fills it with sync, so per-connection order is strict.
export class OrderGuard {
  private readonly last = new Map<string, bigint>();

  admit(chatId: string, seq: bigint): boolean {
    const prev = this.last.get(chatId);
    if (prev !== undefined && seq <= prev) return false;
    this.last.set(chatId, seq);
    return true;
  }
}
