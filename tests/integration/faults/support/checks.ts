import type { Store } from "@chat/store";
import type { ChatClient } from "../../../support/chat-client";
import type { Load } from "./load";

export interface StoredMessage {
  seq: number;
  messageId: string;
  senderId: string;
  clientMessageId: string;
}

export async function readChat(store: Store, chatId: string): Promise<{ messages: StoredMessage[]; currentSeq: number }> {
  const messages: StoredMessage[] = [];
  let after = 0n;
  for (;;) {
    const page = await store.listMessages(chatId, { afterSeq: after, limit: 100 });
    for (const m of page) messages.push({ seq: Number(m.seq), messageId: m.messageId, senderId: m.senderId, clientMessageId: m.clientMessageId });
    if (page.length < 100) break;
    after = page[page.length - 1].seq;
  }
  return { messages, currentSeq: Number(await store.currentSeq(chatId)) };
}

export interface CheckResult {
  // Every entry is a broken guarantee; the suite asserts there are none.
  violations: string[];
  sent: number;
  acked: number;
  gaveUp: number;
  // (acknowledged message, member) pairs by how the member first got the message.
  deliveredLive: number;
  recoveredBySync: number;
  // Seqs allocated but never stored (the bounded, documented holes of MISSION section 2).
  holes: number;
}

// The end-of-scenario checks over every chat, after every client synced from seq 0.
export async function checkChats(load: Load, store: Store): Promise<CheckResult> {
  const violations: string[] = [];
  const v = (s: string) => {
    if (violations.length < 50) violations.push(s);
  };
  let deliveredLive = 0;
  let recoveredBySync = 0;
  let holes = 0;
  const acked = load.acked();

  // No client_message_id given two seqs, no seq given to two client_message_ids (acks).
  const seqOfId = new Map<string, number>();
  const idOfSeq = new Map<string, string>();
  for (const r of acked) {
    const idKey = `${r.chatId}|${r.sender}|${r.clientMessageId}`;
    const seqKey = `${r.chatId}|${r.seq}`;
    if (seqOfId.has(idKey) && seqOfId.get(idKey) !== r.seq) v(`${r.clientMessageId} acknowledged with seqs ${seqOfId.get(idKey)} and ${r.seq}`);
    if (idOfSeq.has(seqKey) && idOfSeq.get(seqKey) !== idKey) v(`seq ${seqKey} acknowledged to ${idOfSeq.get(seqKey)} and ${idKey}`);
    seqOfId.set(idKey, r.seq!);
    idOfSeq.set(seqKey, idKey);
  }

  for (const chat of load.chats) {
    const { messages, currentSeq } = await readChat(store, chat.chatId);
    const bySeq = new Map(messages.map((m) => [m.seq, m]));
    // The store: one message per seq (strictly increasing listing), one seq per client id.
    if (!messages.every((m, i) => i === 0 || m.seq > messages[i - 1].seq)) v(`${chat.chatId}: stored seqs not strictly increasing`);
    const storedIds = new Map<string, number>();
    for (const m of messages) {
      const k = `${m.senderId}|${m.clientMessageId}`;
      if (storedIds.has(k)) v(`${chat.chatId}: ${m.clientMessageId} stored at seqs ${storedIds.get(k)} and ${m.seq}`);
      storedIds.set(k, m.seq);
    }
    holes += currentSeq - messages.length;
    if (messages.length && messages[messages.length - 1].seq > currentSeq) v(`${chat.chatId}: stored seq above the counter ${currentSeq}`);

    // Every acknowledged message is in the store, as acknowledged.
    const chatAcked = acked.filter((r) => r.chatId === chat.chatId);
    for (const r of chatAcked) {
      const m = bySeq.get(r.seq!);
      if (!m) v(`${chat.chatId}: acknowledged seq ${r.seq} (${r.clientMessageId}) missing from the store`);
      else if (m.clientMessageId !== r.clientMessageId || m.senderId !== r.sender || m.messageId !== r.messageId) v(`${chat.chatId}: seq ${r.seq} stored as ${m.clientMessageId}/${m.messageId}, acknowledged as ${r.clientMessageId}/${r.messageId}`);
    }

    // Every member's view after sync holds exactly the stored messages; pushes on each
    // connection strictly increasing (no duplicate, no reordering).
    for (const client of load.clients.filter((c) => chat.members.includes(c.user))) {
      const view = client.views.get(chat.chatId)!;
      for (const m of messages) {
        const a = view.get(m.seq);
        if (!a) v(`${chat.chatId}: ${client.user} lacks seq ${m.seq} after sync`);
        else if (a.messageId !== m.messageId) v(`${chat.chatId}: ${client.user} holds ${a.messageId} at seq ${m.seq}, store has ${m.messageId}`);
      }
      for (const seq of view.keys()) if (!bySeq.has(seq)) v(`${chat.chatId}: ${client.user} holds seq ${seq}, which the store does not`);
      for (const r of chatAcked) {
        const a = view.get(r.seq!);
        if (a?.via === "live") deliveredLive++;
        else if (a) recoveredBySync++;
      }
      for (const [key, seqs] of pushOrders(client, chat.chatId)) {
        if (!seqs.every((s, i) => i === 0 || s > seqs[i - 1])) v(`${chat.chatId}: pushes on ${client.user}'s connection ${key} not strictly increasing: ${seqs.join(",").slice(0, 200)}`);
      }
    }
  }
  return { violations, sent: load.sent.length, acked: acked.length, gaveUp: load.sent.filter((r) => r.failed).length, deliveredLive, recoveredBySync, holes };
}

function pushOrders(client: ChatClient, chatId: string): Array<[string, number[]]> {
  return [...client.pushOrder.entries()].filter(([k]) => k.endsWith(`/${chatId}`));
}
