import type { FileHandle } from "node:fs/promises";

// Reader of journal.jsonl, the JSON-lines journal of the store before ADR 0024 (one line per
// committed step). Only the one-time import reads it now.
//
// A crash can only tear the last line, which was never acknowledged: whatever follows the
// last complete, parseable line is ignored. An unreadable line followed by good ones is not a
// torn tail but damage, and is refused with its offset rather than silently dropping the
// acknowledged records after it.

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 20;

export class JournalCorruptError extends Error {
  readonly code = "journal_corrupt";
}

export interface ScanResult {
  records: number;
  // Bytes after the last complete record (a torn write), not applied.
  tornBytes: number;
}

// Calls apply() for every record in order; awaits afterChunk() after each chunk read, so the
// caller can bound what it holds.
export async function scanJournal(file: FileHandle, path: string, apply: (op: unknown) => void, afterChunk: () => Promise<void>): Promise<ScanResult> {
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
    await afterChunk();
  }
  return { records, tornBytes: size - goodEnd };
}

function parse(text: string): object | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}
