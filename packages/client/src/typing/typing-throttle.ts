// Decides which typing changes go on the wire. `active: true` is repeated at most once per
// interval per chat (keystrokes call it constantly; receivers expire the indicator themselves),
// while `active: false` goes out at once, and only if the chat was last reported active. Pure.
export class TypingThrottle {
  private readonly lastActiveAt = new Map<string, number>();

  constructor(private readonly intervalMs = 3000) {}

  shouldSend(chatId: string, active: boolean, now: number): boolean {
    const last = this.lastActiveAt.get(chatId);
    if (!active) {
      if (last === undefined) return false;
      this.lastActiveAt.delete(chatId);
      return true;
    }
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastActiveAt.set(chatId, now);
    return true;
  }

  // A new connection has not told anyone anything yet.
  reset(): void {
    this.lastActiveAt.clear();
  }
}
