// What the page needs from the backend, in the page's own terms. sdk-backend.ts implements it
// on @chat/client; the UI depends only on this.
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface ChatSummary {
  chatId: string;
  title: string;
  direct: boolean;
  lastSeq: bigint;
}

export interface ChatMessage {
  chatId: string;
  seq: bigint;
  clientMessageId: string;
  senderId: string;
  body: string;
  createdAt?: Date;
}

export interface ReceiptUpdate {
  chatId: string;
  userId: string;
  deliveredSeq: bigint;
  readSeq: bigint;
}

export interface BackendEvents {
  state: (s: ConnectionState, detail?: string) => void;
  message: (m: ChatMessage) => void;
  receipt: (r: ReceiptUpdate) => void;
  presence: (p: { userId: string; online: boolean }) => void;
  typing: (t: { chatId: string; userId: string; active: boolean }) => void;
  // Someone added this user to a chat (or changed its members): refresh the list.
  membership: (m: { chatId: string; userId: string; removed: boolean }) => void;
  // The login is gone for good (refresh refused): the page must log in again.
  expired: (reason: string) => void;
}

export interface ChatBackend {
  readonly user: string;
  on<K extends keyof BackendEvents>(event: K, fn: BackendEvents[K]): void;
  listChats(): Promise<ChatSummary[]>;
  createChat(title: string, members: string[]): Promise<ChatSummary>;
  members(chatId: string): Promise<string[]>;
  // Up to `limit` messages before `beforeSeq` (the newest ones if omitted), ascending.
  history(chatId: string, beforeSeq: bigint | undefined, limit: number): Promise<{ messages: ChatMessage[]; hasMore: boolean }>;
  receipts(chatId: string): Promise<ReceiptUpdate[]>;
  // Live messages for this chat from `afterSeq` on (the SDK syncs gaps and reconnects).
  follow(chatId: string, afterSeq: bigint): void;
  // Resolves with the seq once stored; rejects with an Error whose `code` is the stable code.
  send(chatId: string, clientMessageId: string, body: string): Promise<bigint>;
  markRead(chatId: string, seq: bigint): void;
  typing(chatId: string, active: boolean): void;
  close(): Promise<void>;
}
