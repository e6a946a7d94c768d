// Who is typing where. The server never expires typing (docs/protocol.md), so an indicator
// lapses after `ttlMs` without a refresh.
export class TypingTracker {
  private readonly until = new Map<string, Map<string, number>>();
  constructor(private readonly ttlMs = 6000) {}

  set(chatId: string, userId: string, active: boolean, now: number): void {
    let users = this.until.get(chatId);
    if (!users) this.until.set(chatId, (users = new Map<string, number>()));
    if (active) users.set(userId, now + this.ttlMs);
    else users.delete(userId);
  }

  // A message from a user ends their typing.
  clear(chatId: string, userId: string): void {
    this.until.get(chatId)?.delete(userId);
  }

  active(chatId: string, now: number): string[] {
    const users = this.until.get(chatId);
    if (!users) return [];
    for (const [u, t] of users) if (t <= now) users.delete(u);
    return [...users.keys()].sort();
  }
}

export function typingText(users: string[]): string {
  if (users.length === 0) return "";
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}
