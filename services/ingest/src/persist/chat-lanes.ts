// Serializes work per chat inside one process: a chat's sends are allocated, committed and
// published one after another, so within a replica the event log receives a chat's messages in
// seq order. Different chats run concurrently.
export class ChatLanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(chatId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(chatId) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(chatId, tail);
    void tail.then(() => {
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
    });
    return next;
  }

  // Resolves when all work queued so far has finished.
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
