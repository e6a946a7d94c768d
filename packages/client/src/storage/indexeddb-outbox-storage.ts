import { outboxKey, type OutboxEntry, type OutboxStorage } from "../outbox/outbox-storage";

const STORE = "outbox";

// The slice of the IndexedDB API used here, declared locally: the repo typechecks without the
// DOM lib, and the browser's objects satisfy these shapes.
interface IdbRequest<T = unknown> {
  result: T;
  // A DOMException in browsers (an Error).
  error: Error | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbObjectStore {
  getAll(): IdbRequest;
  put(value: unknown): IdbRequest;
  delete(key: string): IdbRequest;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  // A DOMException in browsers (an Error).
  error: Error | null;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface IdbDatabase {
  transaction(store: string, mode: "readonly" | "readwrite"): IdbTransaction;
  createObjectStore(name: string, opts: { keyPath: string }): unknown;
}
export interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}

// Browser outbox: one IndexedDB object store keyed by "chatId clientMessageId", so unsent
// messages survive a page reload. The database name separates users or apps on one origin.
export class IndexedDbOutboxStorage implements OutboxStorage {
  private db: Promise<IdbDatabase> | undefined;

  constructor(
    private readonly dbName = "chat-client-outbox",
    private readonly factory: IdbFactory | undefined = (globalThis as { indexedDB?: IdbFactory }).indexedDB,
  ) {}

  async load(): Promise<OutboxEntry[]> {
    const rows = await this.run<Array<{ key: string; entry: OutboxEntry }>>("readonly", (s) => s.getAll());
    return rows.map((r) => r.entry);
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.run("readwrite", (s) => s.put({ key: outboxKey(entry.chatId, entry.clientMessageId), entry }));
  }

  async remove(chatId: string, clientMessageId: string): Promise<void> {
    await this.run("readwrite", (s) => s.delete(outboxKey(chatId, clientMessageId)));
  }

  private open(): Promise<IdbDatabase> {
    const factory = this.factory;
    if (!factory) return Promise.reject(new Error("IndexedDB is not available here"));
    this.db ??= new Promise<IdbDatabase>((resolve, reject) => {
      const req = factory.open(this.dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error("cannot open IndexedDB"));
    });
    return this.db;
  }

  private async run<T>(mode: "readonly" | "readwrite", op: (s: IdbObjectStore) => IdbRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      // Resolve on commit, not on the request: a put is durable only once the transaction is.
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
    });
  }
}
