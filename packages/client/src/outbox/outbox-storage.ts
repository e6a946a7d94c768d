// One unacknowledged send. Stored as plain JSON so any storage can keep it.
export interface OutboxEntry {
  chatId: string;
  clientMessageId: string;
  body: string;
  contentType: string;
  // Wall-clock ms when send() was called; restores the order across restarts.
  createdAt: number;
}

// Where unacknowledged sends survive a reconnect (memory) or a restart of the app (file,
// IndexedDB). An entry is put before the first attempt and removed after its ack or a permanent
// error.
export interface OutboxStorage {
  load(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  remove(chatId: string, clientMessageId: string): Promise<void>;
}

export function outboxKey(chatId: string, clientMessageId: string): string {
  // Ids cannot contain a space (docs/protocol.md), so this is unambiguous.
  return `${chatId} ${clientMessageId}`;
}

export class MemoryOutboxStorage implements OutboxStorage {
  private readonly entries = new Map<string, OutboxEntry>();

  async load(): Promise<OutboxEntry[]> {
    return [...this.entries.values()];
  }

  async put(entry: OutboxEntry): Promise<void> {
    this.entries.set(outboxKey(entry.chatId, entry.clientMessageId), { ...entry });
  }

  async remove(chatId: string, clientMessageId: string): Promise<void> {
    this.entries.delete(outboxKey(chatId, clientMessageId));
  }
}
