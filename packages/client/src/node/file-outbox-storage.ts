import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { outboxKey, type OutboxEntry, type OutboxStorage } from "../outbox/outbox-storage";

// Node outbox: the unsent messages as one JSON file, rewritten atomically (temp file + rename)
// on every change, so a crash leaves either the old or the new list. Writes are serialized; the
// outbox is small (only unacknowledged sends).
export class FileOutboxStorage implements OutboxStorage {
  private entries: Map<string, OutboxEntry> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async load(): Promise<OutboxEntry[]> {
    return [...(await this.map()).values()];
  }

  put(entry: OutboxEntry): Promise<void> {
    return this.mutate((m) => m.set(outboxKey(entry.chatId, entry.clientMessageId), { ...entry }));
  }

  remove(chatId: string, clientMessageId: string): Promise<void> {
    return this.mutate((m) => m.delete(outboxKey(chatId, clientMessageId)));
  }

  private async map(): Promise<Map<string, OutboxEntry>> {
    if (this.entries) return this.entries;
    let list: OutboxEntry[] = [];
    try {
      list = JSON.parse(await readFile(this.path, "utf8")) as OutboxEntry[];
      if (!Array.isArray(list)) throw new Error(`${this.path} is not an outbox file`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    this.entries ??= new Map(list.map((en) => [outboxKey(en.chatId, en.clientMessageId), en]));
    return this.entries;
  }

  private mutate(change: (m: Map<string, OutboxEntry>) => void): Promise<void> {
    const next = this.chain.then(async () => {
      const m = await this.map();
      change(m);
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify([...m.values()]), { mode: 0o600 });
      await rename(tmp, this.path);
    });
    // One failed write must not wedge every later one.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
