// Announces a user's online/offline transitions in the order they happened on this gateway: each
// announcement of a user waits for the previous one, so a slow `online` (it reads the user's
// chats first) can never be overtaken by the `offline` of a connection that closed at once.
// `chatIds`: the user's chats, read once per connect or disconnect (shared with the snapshot).
export class PresenceAnnouncer {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly announce: (userId: string, online: boolean, chatIds: string[]) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  enqueue(userId: string, online: boolean, chatIds: Promise<string[]>): Promise<void> {
    // Read in parallel with the queue; a failed read fails this announcement (onError).
    chatIds.catch(() => undefined);
    const previous = this.tails.get(userId) ?? Promise.resolve();
    const next = previous.then(async () => this.announce(userId, online, await chatIds)).catch(this.onError);
    this.tails.set(userId, next);
    void next.then(() => {
      if (this.tails.get(userId) === next) this.tails.delete(userId);
    });
    return next;
  }
}
