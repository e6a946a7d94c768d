import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ChatClient, IndexedDbOutboxStorage } from "@chat/client";
import { ChatKind, MembershipChange, PresenceStatus, type Chat, type Message } from "@chat/proto";
import type { BackendEvents, ChatBackend, ChatMessage, ChatSummary } from "./backend";
import { SessionExpired } from "./auth/auth";
import type { WebConfig } from "./config";

const toMessage = (m: Message): ChatMessage => ({
  chatId: m.chatId,
  seq: m.seq,
  clientMessageId: m.clientMessageId,
  senderId: m.senderId,
  body: m.body,
  createdAt: m.createdAt ? timestampDate(m.createdAt) : undefined,
});

const toSummary = (c: Chat): ChatSummary => ({ chatId: c.chatId, title: c.title, direct: c.kind === ChatKind.DIRECT, lastSeq: c.lastSeq });

// The page's backend on @chat/client: one ChatClient (WebSocket, resume, outbox) and its
// chat-management API client.
export function createSdkBackend(cfg: WebConfig, user: string, accessToken: (force: boolean) => Promise<string>): ChatBackend {
  const apiUrl = cfg.apiUrl || location.origin;
  const client = new ChatClient({
    url: cfg.wsUrl,
    apiUrl,
    token: ({ reason }) => accessToken(reason === "expired"),
    // Unsent messages survive a reload of the page (per user: people may share a browser).
    outbox: typeof indexedDB === "undefined" ? undefined : new IndexedDbOutboxStorage(`chat-outbox-${user}`),
    // A chat joined later is followed from its last seq when the membership push makes the page
    // reload its list; its older messages load on scroll, not all at once.
    untrackedChats: "ignore",
  });
  const listeners: { [K in keyof BackendEvents]: BackendEvents[K][] } = { state: [], message: [], receipt: [], presence: [], typing: [], membership: [], expired: [] };
  const emit = <K extends keyof BackendEvents>(k: K, ...args: Parameters<BackendEvents[K]>) => {
    for (const fn of listeners[k]) (fn as (...a: Parameters<BackendEvents[K]>) => void)(...args);
  };

  client.on("state", (s) => {
    if (s.state === "idle") return;
    emit("state", s.state, s.reason);
  });
  client.on("message", (m) => emit("message", toMessage(m)));
  client.on("receipt", (r) => emit("receipt", { chatId: r.chatId, userId: r.userId, deliveredSeq: r.deliveredSeq, readSeq: r.readSeq }));
  client.on("presence", (p) => emit("presence", { userId: p.userId, online: p.status === PresenceStatus.ONLINE }));
  client.on("typing", (t) => emit("typing", { chatId: t.chatId, userId: t.userId, active: t.active }));
  client.on("membership", (m) => emit("membership", { chatId: m.chatId, userId: m.userId, removed: m.change === MembershipChange.REMOVED }));
  client.on("error", (e) => {
    // The SDK reports a failing token provider here and keeps retrying; an expired login
    // will not heal by retrying.
    if (e.cause instanceof SessionExpired) {
      void client.close();
      emit("expired", e.cause.message);
    }
  });
  void client.connect().catch(() => undefined);

  return {
    user,
    on(event, fn) {
      listeners[event].push(fn);
    },
    async listChats() {
      const chats: ChatSummary[] = [];
      let pageToken = "";
      do {
        const res = await client.api.listMyChats({ pageSize: 100, pageToken });
        chats.push(...res.chats.map(toSummary));
        pageToken = res.nextPageToken;
      } while (pageToken);
      return chats;
    },
    async createChat(title, members) {
      const res = await client.api.createChat({ kind: ChatKind.GROUP, title, memberIds: members });
      return toSummary(res.chat!);
    },
    async members(chatId) {
      return (await client.api.listMembers({ chatId })).members.map((m) => m.userId);
    },
    async history(chatId, beforeSeq, limit) {
      const res = await client.api.getMessageHistory({ chatId, beforeSeq: beforeSeq ?? 0n, limit });
      return { messages: res.messages.map(toMessage), hasMore: res.hasMore };
    },
    async receipts(chatId) {
      return (await client.api.getReceipts({ chatId })).receipts.map((r) => ({ chatId, userId: r.userId, deliveredSeq: r.deliveredSeq, readSeq: r.readSeq }));
    },
    follow(chatId, afterSeq) {
      client.trackChat(chatId, afterSeq);
    },
    async send(chatId, clientMessageId, body) {
      return (await client.send(chatId, body, { clientMessageId })).seq;
    },
    markRead(chatId, seq) {
      client.markRead(chatId, seq).catch(() => undefined);
    },
    typing(chatId, active) {
      client.setTyping(chatId, active);
    },
    close: () => client.close(),
  };
}
