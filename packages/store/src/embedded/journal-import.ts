import { closeSync, existsSync, fsyncSync, openSync, renameSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { advancePosition, type ReceiptKind } from "@chat/domain";
import { ChatSchema, MemberSchema, MessageSchema, ReceiptPositionSchema, type MemberRole } from "@chat/proto";
import type { OutboxEntry } from "../port";
import { codec } from "./codec";
import type { GroupCommit, Write } from "./group-commit";
import { key } from "./key-layout";
import { scanJournal, type ScanResult } from "./legacy-journal";
import { idempotencyWrites, memberRemoval, memberWrites, outboxWrites } from "./records";

// One-time import of a data directory written by the journal store (before ADR 0024): at the
// first open, journal.jsonl is replayed into LevelDB and then renamed journal.jsonl.imported
// (kept for the user to delete). Every op sets state rather than adding to it, so an import
// cut short by a crash simply runs again from the start at the next open, with the same
// result; the rename is synced before anything else is written, so an imported journal is
// never replayed over newer data.

export const LEGACY_JOURNAL = "journal.jsonl";
export const IMPORTED_JOURNAL = "journal.jsonl.imported";

type Op =
  | { t: "chat"; chat: JsonValue; members: JsonValue[] }
  | { t: "member+"; member: JsonValue }
  | { t: "member-"; chatId: string; userId: string }
  | { t: "role"; chatId: string; userId: string; role: MemberRole }
  | { t: "seq"; chatId: string; seq: string }
  | { t: "msg"; message: JsonValue; idemKey: string; expiresAt: number }
  | { t: "rcpt"; chatId: string; userId: string; kind: ReceiptKind; seq: string; atMs: number }
  | { t: "ob+"; entries: Array<Omit<OutboxEntry, "payload" | "seq"> & { payload: string; seq?: string }> }
  | { t: "ob-"; ids: string[] }
  | { t: "all"; ops: Op[] };

export async function importLegacyJournal(dataDir: string, commit: GroupCommit): Promise<ScanResult | undefined> {
  const path = join(dataDir, LEGACY_JOURNAL);
  if (!existsSync(path)) return undefined;
  // The journal names outbox entries by id only; their keys here need the entry.
  const outboxKeys = new Map<string, string>();
  let last: Promise<void> = Promise.resolve();
  // Each op is staged on its own, so that the next op's reads (a role change, a receipt) see it.
  const stage = (writes: Write[]) => {
    if (writes.length === 0) return;
    last = commit.stage(writes);
    last.catch(() => undefined);
  };

  const apply = (op: Op): void => {
    switch (op.t) {
      case "chat": {
        const chat = fromJson(ChatSchema, op.chat);
        stage([{ key: key.chat(chat.chatId), value: codec.chat.encode(chat) }, ...op.members.flatMap((m) => memberWrites(fromJson(MemberSchema, m)))]);
        return;
      }
      case "member+":
        stage(memberWrites(fromJson(MemberSchema, op.member)));
        return;
      case "member-":
        stage(memberRemoval(op.chatId, op.userId));
        return;
      case "role": {
        const raw = commit.get(key.member(op.chatId, op.userId));
        if (!raw) return;
        const member = codec.member.decode(raw);
        member.role = op.role;
        stage(memberWrites(member));
        return;
      }
      case "seq":
        stage([{ key: key.counter(op.chatId), value: codec.counter.encode(BigInt(op.seq)) }]);
        return;
      case "msg": {
        const message = fromJson(MessageSchema, op.message);
        stage([
          { key: key.message(message.chatId, message.seq), value: codec.message.encode(message) },
          ...idempotencyWrites(`i#${op.idemKey}`, { seq: message.seq, messageId: message.messageId, expiresAtMs: op.expiresAt }),
        ]);
        return;
      }
      case "rcpt": {
        const k = key.receipt(op.chatId, op.userId);
        const raw = commit.get(k);
        const cur = raw && codec.receipt.decode(raw);
        const { next, changed } = advancePosition({ deliveredSeq: cur?.deliveredSeq ?? 0n, readSeq: cur?.readSeq ?? 0n }, op.kind, BigInt(op.seq));
        if (cur && !changed) return;
        const position = create(ReceiptPositionSchema, { chatId: op.chatId, userId: op.userId, ...next, updatedAt: timestampFromMs(op.atMs) });
        stage([{ key: k, value: codec.receipt.encode(position) }]);
        return;
      }
      case "ob+": {
        const entries = op.entries.map(({ seq, ...e }) => {
          const entry: OutboxEntry = { ...e, payload: new Uint8Array(Buffer.from(e.payload, "base64")) };
          if (seq !== undefined) entry.seq = BigInt(seq);
          outboxKeys.set(entry.id, key.outbox(entry));
          return entry;
        });
        stage(outboxWrites(entries));
        return;
      }
      case "ob-": {
        const writes: Write[] = [];
        for (const id of op.ids) {
          const k = outboxKeys.get(id);
          if (k === undefined) continue;
          outboxKeys.delete(id);
          writes.push({ key: k, value: null });
        }
        stage(writes);
        return;
      }
      case "all":
        for (const o of op.ops) apply(o);
        return;
    }
  };

  const file = await open(path, "r");
  let result: ScanResult;
  try {
    // After each chunk, wait for what was staged to be on disk: memory stays bounded.
    result = await scanJournal(file, path, (op) => apply(op as Op), () => last);
  } finally {
    await file.close();
  }
  await last;
  await commit.drain();
  renameSync(path, join(dataDir, IMPORTED_JOURNAL));
  const dir = openSync(dataDir, "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return result;
}
