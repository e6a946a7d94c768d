import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChatError, validateId, validateSend, type ReceiptKind } from "@chat/domain";
import { PresenceStatus, type ClientFrame, type ServerFrame } from "@chat/proto";
import { inSpan, SpanKind, type Logger } from "@chat/observability";
import type { Presence } from "@chat/presence";
import type { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import type { ClientConnection } from "../connection/client-connection";
import type { IngestClient } from "../ingest/ingest-client";
import { TypingCoalescer } from "../limits/typing-coalescer";
import { serverFrame } from "../protocol/frame-codec";

export interface HandlerDeps {
  store: Store;
  ingest: IngestClient;
  router: FrameRouter;
  presence: Pick<Presence, "connectionsOf">;
  logger: Logger;
  limits: { maxBodyBytes: number; maxIdLength: number; syncDefaultLimit: number; syncMaxLimit: number; typingRelayIntervalMs: number; presenceAnnounceMaxChats: number };
}

type Kind<K extends NonNullable<ClientFrame["kind"]["case"]>> = Extract<ClientFrame["kind"], { case: K }>["value"];

// One handler per client frame kind. Each returns the frame that answers (if any) or throws a
// ChatError, which the connection turns into an `error` frame; nothing here closes a connection.
// Rate limits are taken before a handler runs (session.ts, limits/operation-limits.ts).
export function createFrameHandlers(deps: HandlerDeps) {
  const { store, limits } = deps;
  const typing = new TypingCoalescer(limits.typingRelayIntervalMs, (userId, chatId, active) => {
    const frame = serverFrame({ case: "typing", value: { chatId, userId, active } });
    // Relayed to online members only, never stored.
    void otherMembers(chatId, userId)
      .then((userIds) => deps.router.route([{ userIds, frame }]))
      .catch(() => undefined);
  });

  async function requireMember(chatId: string, userId: string): Promise<void> {
    validateId("chat_id", chatId, limits.maxIdLength);
    // Not a member and no such chat look the same: existence does not leak.
    if (!(await store.getMember(chatId, userId))) throw new ChatError("not_found", `chat ${chatId} not found`);
  }

  async function contactsOf(userId: string): Promise<string[]> {
    const { items } = await store.listMembershipsOfUser(userId, { limit: limits.presenceAnnounceMaxChats });
    const contacts = new Set<string>();
    for (const m of items) for (const u of await otherMembers(m.chatId, userId)) contacts.add(u);
    return [...contacts];
  }

  async function otherMembers(chatId: string, userId: string): Promise<string[]> {
    return (await store.listMembers(chatId)).map((m) => m.userId).filter((u) => u !== userId);
  }

  async function receipt(conn: ClientConnection, kind: ReceiptKind, f: Kind<"ack"> | Kind<"read">): Promise<ServerFrame | undefined> {
    await requireMember(f.chatId, conn.userId);
    if (f.seq <= 0n) throw new ChatError("invalid_argument", "seq must be positive", { details: { field: "seq" } });
    const last = await store.currentSeq(f.chatId);
    if (f.seq > last) throw new ChatError("invalid_argument", `seq ${f.seq} is beyond the chat's last seq ${last}`, { details: { field: "seq" } });
    const { position, changed } = await store.advanceReceipt(f.chatId, conn.userId, kind, f.seq);
    const frame = serverFrame({
      case: "receipt",
      value: { chatId: f.chatId, userId: conn.userId, deliveredSeq: position.deliveredSeq, readSeq: position.readSeq },
    });
    if (changed) void deps.router.route([{ userIds: await otherMembers(f.chatId, conn.userId), frame }]).catch(() => undefined);
    return frame;
  }

  return {
    async sendMessage(conn: ClientConnection, f: Kind<"sendMessage">, requestId = ""): Promise<ServerFrame> {
      // Checked here too so an oversize body never travels to ingest.
      const input = validateSend({ chatId: f.chatId, clientMessageId: f.clientMessageId, body: f.body, contentType: f.contentType }, limits);
      // Each send starts a trace that follows the message through ingest, Kafka and fanout.
      const res = await inSpan("gateway", "gateway.send_message", { kind: SpanKind.SERVER, attributes: { "chat.id": input.chatId } }, async () => {
        const persisted = await deps.ingest.persist({ ...input, senderId: conn.userId });
        // Inside the span, so the line carries the trace and span ids next to the connection's.
        deps.logger.debug({ connectionId: conn.id, requestId, chatId: input.chatId, seq: String(persisted.message?.seq), duplicate: persisted.duplicate }, "message acknowledged");
        return persisted;
      });
      const m = res.message!;
      return serverFrame({
        case: "messageAck",
        value: { chatId: m.chatId, clientMessageId: m.clientMessageId, seq: m.seq, messageId: m.messageId, createdAt: m.createdAt, duplicate: res.duplicate },
      });
    },

    async sync(conn: ClientConnection, f: Kind<"sync">): Promise<ServerFrame> {
      await requireMember(f.chatId, conn.userId);
      if (f.limit > limits.syncMaxLimit) throw new ChatError("invalid_argument", `limit must be 1..${limits.syncMaxLimit}`, { details: { field: "limit" } });
      const limit = f.limit === 0 ? limits.syncDefaultLimit : f.limit;
      const [page, lastSeq] = await Promise.all([store.listMessages(f.chatId, { afterSeq: f.afterSeq, limit: limit + 1 }), store.currentSeq(f.chatId)]);
      const messages = page.slice(0, limit);
      const hasMore = page.length > limit;
      return serverFrame({
        case: "syncResult",
        value: { chatId: f.chatId, messages, hasMore, nextAfterSeq: messages.length ? messages[messages.length - 1].seq : f.afterSeq, lastSeq },
      });
    },

    ack: (conn: ClientConnection, f: Kind<"ack">) => receipt(conn, "delivered", f),
    read: (conn: ClientConnection, f: Kind<"read">) => receipt(conn, "read", f),

    async typing(conn: ClientConnection, f: Kind<"typing">): Promise<undefined> {
      await requireMember(f.chatId, conn.userId);
      typing.offer(conn.userId, f.chatId, f.active);
      return undefined;
    },

    async ping(_conn: ClientConnection, f: Kind<"ping">): Promise<ServerFrame> {
      return serverFrame({ case: "pong", value: { nonce: f.nonce, serverTime: timestampFromDate(new Date()) } });
    },

    // Tells the members of the user's chats that the user came online or went offline.
    async announcePresence(userId: string, online: boolean): Promise<void> {
      const contacts = await contactsOf(userId);
      if (contacts.length === 0) return;
      const frame = serverFrame({ case: "presence", value: { userId, status: online ? PresenceStatus.ONLINE : PresenceStatus.OFFLINE } });
      await deps.router.route([{ userIds: contacts, frame }]);
    },

    // A new connection learns who of its contacts is online now (one `presence` frame each);
    // later changes arrive as announcements. Without it a client shows everyone offline until
    // they reconnect. The same contacts as announcePresence: members of the user's first 100 chats.
    async presenceSnapshot(conn: ClientConnection): Promise<void> {
      const contacts = await contactsOf(conn.userId);
      if (contacts.length === 0) return;
      const online = await deps.presence.connectionsOf(contacts);
      for (const userId of contacts) {
        if (online.has(userId)) conn.reply(serverFrame({ case: "presence", value: { userId, status: PresenceStatus.ONLINE } }));
      }
    },

    stop(): void {
      typing.stop();
    },
  };
}

export type FrameHandlers = ReturnType<typeof createFrameHandlers>;
