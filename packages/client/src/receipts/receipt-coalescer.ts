export type ReceiptKind = "delivered" | "read";

interface ChatReceipts {
  // Highest positions asked for by the app, and the highest the server confirmed.
  wantDelivered: bigint;
  wantRead: bigint;
  confirmedDelivered: bigint;
  confirmedRead: bigint;
  inflight: boolean;
}

export interface ReceiptFrame {
  chatId: string;
  kind: ReceiptKind;
  seq: bigint;
}

// Coalesces delivered/read positions per chat: many marks become one frame carrying the highest
// seq, with at most one receipt frame per chat on the wire. Positions are cumulative and `read`
// implies `delivered`, so a pending read makes a pending delivered redundant. Pure.
export class ReceiptCoalescer {
  private readonly chats = new Map<string, ChatReceipts>();

  // Records a mark; returns true when the chat now has something to send.
  mark(chatId: string, kind: ReceiptKind, seq: bigint): boolean {
    const c = this.chat(chatId);
    if (kind === "read" && seq > c.wantRead) c.wantRead = seq;
    if (seq > c.wantDelivered) c.wantDelivered = seq;
    return this.pending(c);
  }

  // The frame to send for this chat now, if any (and marks it in flight).
  take(chatId: string): ReceiptFrame | undefined {
    const c = this.chats.get(chatId);
    if (!c || c.inflight || !this.pending(c)) return undefined;
    c.inflight = true;
    if (c.wantRead > c.confirmedRead) return { chatId, kind: "read", seq: c.wantRead };
    return { chatId, kind: "delivered", seq: c.wantDelivered };
  }

  // The server answered with the stored positions (or the frame failed: pass nothing). Returns
  // true when more is pending for the chat.
  settle(chatId: string, stored?: { deliveredSeq: bigint; readSeq: bigint }): boolean {
    const c = this.chat(chatId);
    c.inflight = false;
    if (stored) {
      if (stored.deliveredSeq > c.confirmedDelivered) c.confirmedDelivered = stored.deliveredSeq;
      if (stored.readSeq > c.confirmedRead) c.confirmedRead = stored.readSeq;
    }
    return this.pending(c);
  }

  // A failed frame whose marks must not be retried (e.g. invalid_argument): forget them.
  drop(chatId: string): void {
    const c = this.chat(chatId);
    c.inflight = false;
    c.wantDelivered = c.confirmedDelivered;
    c.wantRead = c.confirmedRead;
  }

  // After a reconnect nothing is in flight any more.
  resetInflight(): void {
    for (const c of this.chats.values()) c.inflight = false;
  }

  pendingChats(): string[] {
    return [...this.chats].filter(([, c]) => !c.inflight && this.pending(c)).map(([id]) => id);
  }

  confirmed(chatId: string): { deliveredSeq: bigint; readSeq: bigint } {
    const c = this.chat(chatId);
    return { deliveredSeq: c.confirmedDelivered, readSeq: c.confirmedRead };
  }

  private pending(c: ChatReceipts): boolean {
    return c.wantRead > c.confirmedRead || c.wantDelivered > c.confirmedDelivered;
  }

  private chat(chatId: string): ChatReceipts {
    let c = this.chats.get(chatId);
    if (!c) {
      c = { wantDelivered: 0n, wantRead: 0n, confirmedDelivered: 0n, confirmedRead: 0n, inflight: false };
      this.chats.set(chatId, c);
    }
    return c;
  }
}
