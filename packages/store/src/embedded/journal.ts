import { existsSync, mkdirSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

// Append-only JSON-lines journal. Every mutation of the embedded store is one line; the state
// is rebuilt by replaying the file at start.
//
// Durability (ADR-0005): a record is committed once its line, newline included, is on disk.
// append() resolves only after the line was written AND fdatasync'ed; lines appended while a
// sync is running are written and synced together by the next one (group commit), so the
// cost is one sync per batch, not per record. A crash can leave a torn last line (never
// acknowledged); opening the journal cuts it off before anything is appended after it.

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 20;

export class JournalCorruptError extends Error {
  readonly code = "journal_corrupt";
}

interface Pending {
  bytes: Buffer;
  resolve(): void;
  reject(err: unknown): void;
}

export interface ReplayResult {
  records: number;
  // Bytes of a torn tail removed from the end of the file (0 if the file ended cleanly).
  truncatedBytes: number;
}

export class Journal {
  private handle?: FileHandle;
  private pending: Pending[] = [];
  private flushing?: Promise<void>;
  // After a failed write or sync the file's tail is unknown: refuse further appends rather
  // than acknowledge records that may sit behind a hole (the process must restart and replay).
  private failed?: Error;

  constructor(private readonly dir: string) {}

  get path(): string {
    return join(this.dir, "journal.jsonl");
  }

  async replay(apply: (op: unknown) => void): Promise<ReplayResult> {
    mkdirSync(this.dir, { recursive: true });
    if (!existsSync(this.path)) return { records: 0, truncatedBytes: 0 };
    const file = await open(this.path, "r+");
    try {
      const { records, goodEnd, size } = await scan(file, this.path, apply);
      if (goodEnd < size) {
        await file.truncate(goodEnd);
        await file.datasync();
      }
      return { records, truncatedBytes: size - goodEnd };
    } finally {
      await file.close();
    }
  }

  append(op: unknown): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const bytes = Buffer.from(JSON.stringify(op) + "\n", "utf8");
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ bytes, resolve, reject });
      this.kick();
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 && this.failed === undefined) {
      const batch = this.pending.splice(0);
      try {
        this.handle ??= await open(this.path, "a");
        await writeFully(this.handle, Buffer.concat(batch.map((p) => p.bytes)));
        await this.handle.datasync();
        for (const p of batch) p.resolve();
      } catch (err) {
        // fs calls reject with Errors (with a code); the wrap only satisfies the type.
        this.failed = err instanceof Error ? err : new Error(String(err));
        for (const p of [...batch, ...this.pending.splice(0)]) p.reject(err);
      }
    }
  }
}

async function writeFully(handle: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off, null);
    off += bytesWritten;
  }
}

// Applies every complete, parseable line from the start. Stops at the first line that is not
// (a torn write) and returns where the good prefix ends. An unparseable line followed by good
// records is not a torn tail but damage in the middle: truncating would drop acknowledged
// records, so that is refused with the offset, for a person to look at.
async function scan(file: FileHandle, path: string, apply: (op: unknown) => void): Promise<{ records: number; goodEnd: number; size: number }> {
  const { size } = await file.stat();
  let records = 0;
  let goodEnd = 0;
  let badAt: number | undefined;
  let carry = Buffer.alloc(0);
  let carryStart = 0;
  let pos = 0;
  const chunk = Buffer.alloc(READ_CHUNK);
  while (pos < size) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(READ_CHUNK, size - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let lineStart = 0;
    for (let nl = buf.indexOf(NEWLINE); nl !== -1; nl = buf.indexOf(NEWLINE, lineStart)) {
      const absStart = carryStart + lineStart;
      const absEnd = carryStart + nl + 1;
      const text = buf.toString("utf8", lineStart, nl);
      lineStart = nl + 1;
      if (text.trim() === "") {
        if (badAt === undefined) goodEnd = absEnd;
        continue;
      }
      const op = parse(text);
      if (badAt === undefined) {
        if (op === undefined) {
          badAt = absStart;
          continue;
        }
        apply(op);
        records++;
        goodEnd = absEnd;
      } else if (op !== undefined) {
        throw new JournalCorruptError(
          `journal ${path} has an unreadable record at byte ${badAt} followed by valid records (at byte ${absStart}); ` +
            `refusing to drop them. Inspect the file; truncating it at byte ${badAt} discards everything after.`,
        );
      }
    }
    carry = Buffer.from(buf.subarray(lineStart));
    carryStart += lineStart;
  }
  // Whatever follows the last newline is a torn write (its newline never reached the disk).
  return { records, goodEnd, size };
}

function parse(text: string): object | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}
