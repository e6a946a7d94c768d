import { join } from "node:path";
import { ClassicLevel } from "classic-level";

// The engine under the embedded store: LevelDB (classic-level; ADR 0024). Its memory is what
// these options allow: the block cache (cacheMb), the memtable being filled plus one being
// written out (2 × WRITE_BUFFER), and the index blocks of the open table files.

export type LevelDb = ClassicLevel<string, Uint8Array>;

export interface LevelOptions {
  // LevelDB's block cache (recently read data blocks, uncompressed).
  cacheMb: number;
}

const MiB = 1024 * 1024;
const WRITE_BUFFER = 4 * MiB;
// Fewer, larger table files than LevelDB's 2 MiB default: fewer open files and index blocks.
const MAX_FILE = 8 * MiB;
const MAX_OPEN_FILES = 500;

export const levelDir = (dataDir: string): string => join(dataDir, "leveldb");

export async function openLevel(dataDir: string, opts: LevelOptions): Promise<LevelDb> {
  const db = new ClassicLevel<string, Uint8Array>(levelDir(dataDir), {
    keyEncoding: "utf8",
    valueEncoding: "view",
    cacheSize: opts.cacheMb * MiB,
    writeBufferSize: WRITE_BUFFER,
    maxFileSize: MAX_FILE,
    maxOpenFiles: MAX_OPEN_FILES,
    compression: true,
  });
  try {
    await db.open();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED") {
      throw new StoreLockedError(`the embedded store at ${levelDir(dataDir)} is open in another process; it belongs to one process (one all-in-one per CHAT_STORE_DATA_DIR)`, { cause: err });
    }
    throw err;
  }
  return db;
}

export class StoreLockedError extends Error {
  readonly code = "store_locked";
}
