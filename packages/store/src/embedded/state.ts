import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { advancePosition, type ReceiptKind } from "@chat/domain";
import {
  ChatSchema,
  MemberSchema,
  MessageSchema,
  ReceiptPositionSchema,
  type Chat,
  type Member,
  type MemberRole,
  type Message,
  type ReceiptPosition,
} from "@chat/proto";
import type { OutboxEntry } from "../port";

// Journal operations. Proto values are kept in their JSON mapping so the journal is readable.
export type Op =
  | { t: "chat"; chat: JsonValue; members: JsonValue[] }
  | { t: "member+"; member: JsonValue }
  | { t: "member-"; chatId: string; userId: string }
  | { t: "role"; chatId: string; userId: string; role: MemberRole }
  | { t: "seq"; chatId: string; seq: string }
  | { t: "msg"; message: JsonValue; idemKey: string; expiresAt: number }
  | { t: "rcpt"; chatId: string; userId: string; kind: ReceiptKind; seq: string; atMs: number }
  | { t: "ob+"; entries: Array<Omit<OutboxEntry, "payload" | "seq"> & { payload: string; seq?: string }> }
  | { t: "ob-"; ids: string[] }
  // Several ops that must survive a crash together (a write and its outbox entry).
  | { t: "all"; ops: Op[] };

export function outboxOp(entries: OutboxEntry[]): Op {
  return {
    t: "ob+",
    entries: entries.map(({ seq, ...e }) => ({ ...e, payload: Buffer.from(e.payload).toString("base64"), ...(seq === undefined ? {} : { seq: seq.toString() }) })),
  };
}

// The in-memory state of the embedded store. apply() is the only mutator, used both live and
// when replaying the journal, so the two can never disagree.
export class StoreState {
  readonly chats = new Map<string, Chat>();
  readonly members = new Map<string, Map<string, Member>>();
  readonly chatsOfUser = new Map<string, Set<string>>();
  readonly counters = new Map<string, bigint>();
  // Per chat, sorted by seq.
  readonly messages = new Map<string, Message[]>();
  readonly idempotency = new Map<string, { seq: bigint; messageId: string; expiresAt: number }>();
  readonly receipts = new Map<string, Map<string, ReceiptPosition>>();
  // Insertion order is oldest first.
  readonly outbox = new Map<string, OutboxEntry>();

  apply(op: Op): void {
    switch (op.t) {
      case "chat": {
        const chat = fromJson(ChatSchema, op.chat);
        this.chats.set(chat.chatId, chat);
        for (const m of op.members) this.putMember(fromJson(MemberSchema, m));
        return;
      }
      case "member+":
        this.putMember(fromJson(MemberSchema, op.member));
        return;
      case "member-":
        this.members.get(op.chatId)?.delete(op.userId);
        this.chatsOfUser.get(op.userId)?.delete(op.chatId);
        return;
      case "role": {
        const m = this.members.get(op.chatId)?.get(op.userId);
        if (m) m.role = op.role;
        return;
      }
      case "seq":
        this.counters.set(op.chatId, BigInt(op.seq));
        return;
      case "msg": {
        const message = fromJson(MessageSchema, op.message);
        insertSorted(this.messages, message);
        this.idempotency.set(op.idemKey, { seq: message.seq, messageId: message.messageId, expiresAt: op.expiresAt });
        return;
      }
      case "rcpt": {
        const byUser = this.receipts.get(op.chatId) ?? new Map<string, ReceiptPosition>();
        this.receipts.set(op.chatId, byUser);
        const cur = byUser.get(op.userId);
        const { next, changed } = advancePosition({ deliveredSeq: cur?.deliveredSeq ?? 0n, readSeq: cur?.readSeq ?? 0n }, op.kind, BigInt(op.seq));
        if (cur && !changed) return;
        byUser.set(op.userId, create(ReceiptPositionSchema, { chatId: op.chatId, userId: op.userId, ...next, updatedAt: timestampFromMs(op.atMs) }));
        return;
      }
      case "ob+":
        for (const { seq, ...e } of op.entries) {
          const entry: OutboxEntry = { ...e, payload: new Uint8Array(Buffer.from(e.payload, "base64")) };
          if (seq !== undefined) entry.seq = BigInt(seq);
          this.outbox.set(e.id, entry);
        }
        return;
      case "ob-":
        for (const id of op.ids) this.outbox.delete(id);
        return;
      case "all":
        for (const o of op.ops) this.apply(o);
        return;
    }
  }

  private putMember(m: Member): void {
    const byUser = this.members.get(m.chatId) ?? new Map<string, Member>();
    this.members.set(m.chatId, byUser);
    byUser.set(m.userId, m);
    const chats = this.chatsOfUser.get(m.userId) ?? new Set<string>();
    this.chatsOfUser.set(m.userId, chats);
    chats.add(m.chatId);
  }
}

function insertSorted(all: Map<string, Message[]>, message: Message): void {
  const list = all.get(message.chatId) ?? [];
  all.set(message.chatId, list);
  let i = list.length;
  while (i > 0 && list[i - 1].seq > message.seq) i--;
  list.splice(i, 0, message);
}

export const json = {
  chat: (c: Chat) => toJson(ChatSchema, c),
  member: (m: Member) => toJson(MemberSchema, m),
  message: (m: Message) => toJson(MessageSchema, m),
};
