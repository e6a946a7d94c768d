import { isPermanentCode } from "../errors";
import { reconnectDelay, type BackoffOptions } from "../connection/backoff";
import { outboxKey, type OutboxEntry } from "./outbox-storage";

export interface QueuedSend {
  entry: OutboxEntry;
  // The requestId of the attempt on the wire, if any.
  inflight?: string;
  // Not sent again before this time (ms): retry-after or backoff.
  notBefore: number;
  attempts: number;
  // Consecutive `internal` errors; the protocol says retry once, then give up.
  internalErrors: number;
}

export type ErrorVerdict = { retry: true; notBefore: number } | { retry: false };

const DEFAULT_RETRY: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 15_000 };
const MAX_INTERNAL_ERRORS = 2;

// The send queue: one FIFO per chat whose head is the only send of that chat on the wire, so a
// chat's messages get their seqs in the order send() was called. Pure: no timers, no sockets.
export class OutboxQueue {
  private readonly chats = new Map<string, QueuedSend[]>();

  constructor(
    private readonly retry: BackoffOptions = DEFAULT_RETRY,
    private readonly random: () => number = Math.random,
  ) {}

  get size(): number {
    let n = 0;
    for (const q of this.chats.values()) n += q.length;
    return n;
  }

  has(chatId: string, clientMessageId: string): boolean {
    return this.find(chatId, clientMessageId) !== undefined;
  }

  add(entry: OutboxEntry, now: number): boolean {
    if (this.has(entry.chatId, entry.clientMessageId)) return false;
    const q = this.chats.get(entry.chatId) ?? [];
    q.push({ entry, notBefore: now, attempts: 0, internalErrors: 0 });
    this.chats.set(entry.chatId, q);
    return true;
  }

  // The sends to put on the wire now: each chat's head, if it is idle and due.
  due(now: number): QueuedSend[] {
    const out: QueuedSend[] = [];
    for (const q of this.chats.values()) {
      const head = q[0];
      if (head && head.inflight === undefined && head.notBefore <= now) out.push(head);
    }
    return out;
  }

  // When the next waiting head becomes due, if any.
  nextDueAt(): number | undefined {
    let at: number | undefined;
    for (const q of this.chats.values()) {
      const head = q[0];
      if (head && head.inflight === undefined && (at === undefined || head.notBefore < at)) at = head.notBefore;
    }
    return at;
  }

  markSent(send: QueuedSend, requestId: string): void {
    send.inflight = requestId;
    send.attempts++;
  }

  // The ack arrived: the send is durable; returns it (removed from the queue).
  acknowledge(chatId: string, clientMessageId: string): QueuedSend | undefined {
    const q = this.chats.get(chatId);
    const i = q?.findIndex((s) => s.entry.clientMessageId === clientMessageId) ?? -1;
    if (!q || i < 0) return undefined;
    const [done] = q.splice(i, 1);
    if (q.length === 0) this.chats.delete(chatId);
    return done;
  }

  // An error answered the send. Transient codes keep it queued (same clientMessageId) until the
  // server's retry-after or a jittered backoff; permanent ones remove it.
  onError(chatId: string, clientMessageId: string, code: string, retryAfterMs: number | undefined, now: number): ErrorVerdict {
    const send = this.find(chatId, clientMessageId);
    if (!send) return { retry: false };
    send.inflight = undefined;
    if (code === "internal") send.internalErrors++;
    if (isPermanentCode(code) || send.internalErrors >= MAX_INTERNAL_ERRORS) {
      this.acknowledge(chatId, clientMessageId);
      return { retry: false };
    }
    // The server's retry-after is exact (a token bucket refill); without one, back off.
    send.notBefore = now + (retryAfterMs && retryAfterMs > 0 ? retryAfterMs : reconnectDelay(send.attempts - 1, this.retry, this.random));
    return { retry: true, notBefore: send.notBefore };
  }

  // No answer in time, or the connection went away: the attempt may or may not have been
  // stored, so it is resent with the same clientMessageId (the server deduplicates).
  release(chatId: string, clientMessageId: string, now: number): void {
    const send = this.find(chatId, clientMessageId);
    if (send) {
      send.inflight = undefined;
      send.notBefore = Math.min(send.notBefore, now);
    }
  }

  releaseAll(now: number): void {
    for (const q of this.chats.values()) for (const s of q) if (s.inflight !== undefined) this.release(s.entry.chatId, s.entry.clientMessageId, now);
  }

  entries(): OutboxEntry[] {
    return [...this.chats.values()].flat().map((s) => s.entry);
  }

  private find(chatId: string, clientMessageId: string): QueuedSend | undefined {
    return this.chats.get(chatId)?.find((s) => outboxKey(s.entry.chatId, s.entry.clientMessageId) === outboxKey(chatId, clientMessageId));
  }
}
