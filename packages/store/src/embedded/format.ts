import type { GroupCommit } from "./group-commit";

// The version of the key layout and value encodings, written once into a new database. A
// directory written by another version is refused rather than misread.

const FORMAT_KEY = "!format";
// 2: outbox entries as [u32 length][JSON fields][payload] (1 had them as JSON with base64).
const CURRENT = "2";

export class StoreFormatError extends Error {
  readonly code = "store_format";
}

export async function checkFormat(commit: GroupCommit): Promise<void> {
  const raw = commit.get(FORMAT_KEY);
  if (raw === undefined) {
    await commit.stage([{ key: FORMAT_KEY, value: new TextEncoder().encode(CURRENT) }]);
    return;
  }
  const found = new TextDecoder().decode(raw);
  if (found !== CURRENT) {
    throw new StoreFormatError(`the embedded store's data is in format ${found}; this version reads format ${CURRENT}. Use the version that wrote it, or move the data directory away to start empty.`);
  }
}
