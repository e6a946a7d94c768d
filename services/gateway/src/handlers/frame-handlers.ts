import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChatError, Lru, validateId, validateSend, type ReceiptKind } from "@chat/domain";
import { MembershipChange, PresenceStatus, type ClientFrame, type ServerFrame } from "@chat/proto";
import { inSpan, SpanKind, type Logger } from "@chat/observability";
import type { Presence } from "@chat/presence";
import type { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import type { ClientConnection } from "../connection/client-connection";
import type { IngestClient } from "../ingest/ingest-client";
import { TypingCoalescer } from "../limits/typing-coalescer";
import { serverFrame } from "../protocol/frame-codec";
import { OutgoingFrame } from "../protocol/outgoing-frame";

// "X is online" frames of recently snapshotted users, each encoded once: in a big chat every
// newcomer's snapshot names the same online members (up to presenceAnnounceMaxChats chats' worth).
const ONLINE_FRAMES = 10_000;

export interface HandlerDeps {
  store: Store;
  ingest: IngestClient;
  router: FrameRouter;
  presence: Pick<Presence, "connectionsOf" | "addOnlineInChats" | "removeOnlineInChats" | "onlineInChats">;
  logger: Logger;
  limits: { maxBodyBytes: number; maxIdLength: number; syncDefaultLimit: number; syncMaxLimit: number; typingRelayIntervalMs: number; presenceAnnounceMaxChats: number };
}

type Kind<K extends NonNullable<ClientFrame["kind"]["case"]>> = Extract<ClientFrame["kind"], { case: K }>["value"];

// One handler per client frame kind. Each returns the frame that answers (if any) or throws a
// ChatError, which the connection turns into an `error` frame; nothing here closes a connection.
// Rate limits are taken before a handler runs (session.ts, limits/operation-limits.ts).
export function createFrameHandlers(deps: HandlerDeps) {
  const { store, limits } = deps;
  const onlineFrames = new Lru<string, OutgoingFrame>(ONLINE_FRAMES);
  const onlineFrame = (userId: string): OutgoingFrame => {
    let f = onlineFrames.get(userId);
    if (!f) onlineFrames.set(userId, (f = new OutgoingFrame(serverFrame({ case: "presence", value: { userId, status: PresenceStatus.ONLINE } }))));
    return f;
  };
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

  // The user's chats (the first CHAT_PRESENCE_ANNOUNCE_MAX_CHATS, as the presence contacts
  // always were), read once per connect or disconnect.
  async function chatsOf(userId: string): Promise<string[]> {
    const { items } = await store.listMembershipsOfUser(userId, { limit: limits.presenceAnnounceMaxChats });
    return items.map((m) => m.chatId);
  }

  // Who of the user's contacts (members of the given chats) may be online: read from the
  // per-chat online index, so the cost follows the online users of those chats, not their size
  // (ADR 0025). Candidates: users whose gateway died are listed until pruned.
  async function onlineCandidates(userId: string, chatIds: string[]): Promise<string[]> {
    if (chatIds.length === 0) return [];
    return (await deps.presence.onlineInChats(chatIds)).filter((u) => u !== userId);
  }

  // Takes users the index lists but presence has no route for out of the chats; one who came
  // online again meanwhile (its own listing may have run before this removal) is listed again.
  async function prune(stale: string[], chatIds: string[]): Promise<void> {
    await Promise.all(stale.map((u) => deps.presence.removeOnlineInChats(u, chatIds)));
    const back = await deps.presence.connectionsOf(stale);
    await Promise.all([...back.keys()].map(async (u) => deps.presence.addOnlineInChats(u, await chatsOf(u))));
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
        // Guarded: the line's fields would be built for every send even when debug is off.
        if (deps.logger.isLevelEnabled("debug")) deps.logger.debug({ connectionId: conn.id, requestId, chatId: input.chatId, seq: String(persisted.message?.seq), duplicate: persisted.duplicate }, "message acknowledged");
        return persisted;
      });
      const m = res.message!;
      // Literals, not create(): one ack per send.
      return {
        $typeName: "messaging.v1.ServerFrame",
        replyTo: "",
        kind: {
          case: "messageAck",
          value: { $typeName: "messaging.v1.ServerMessageAck", chatId: m.chatId, clientMessageId: m.clientMessageId, seq: m.seq, messageId: m.messageId, createdAt: m.createdAt, duplicate: res.duplicate },
        },
      };
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

    chatsOf,

    // At a user's online transition: lists (or unlists) the user in the per-chat online index of
    // their chats, then tells the online members of those chats. An offline transition that
    // finds the user online again (a device connected through another gateway meanwhile, whose
    // listing this removal may have undone) lists them again and announces nothing.
    async announcePresence(userId: string, online: boolean, chatIds: string[]): Promise<void> {
      if (online) {
        await deps.presence.addOnlineInChats(userId, chatIds);
      } else {
        await deps.presence.removeOnlineInChats(userId, chatIds);
        if ((await deps.presence.connectionsOf([userId])).has(userId)) return deps.presence.addOnlineInChats(userId, chatIds);
      }
      const contacts = await onlineCandidates(userId, chatIds);
      if (contacts.length === 0) return;
      const frame = serverFrame({ case: "presence", value: { userId, status: online ? PresenceStatus.ONLINE : PresenceStatus.OFFLINE } });
      // The router looks up the routes, so listed users who are not online get nothing.
      await deps.router.route([{ userIds: contacts, frame }]);
    },

    // A new connection learns who of its contacts is online now (one `presence` frame each);
    // later changes arrive as announcements. Without it a client shows everyone offline until
    // they reconnect. The same chats as announcePresence.
    async presenceSnapshot(conn: ClientConnection, chatIds: string[]): Promise<void> {
      const candidates = await onlineCandidates(conn.userId, chatIds);
      if (candidates.length === 0) return;
      const online = await deps.presence.connectionsOf(candidates);
      for (const userId of candidates) {
        if (online.has(userId)) conn.push(onlineFrame(userId));
      }
      const stale = candidates.filter((u) => !online.has(u));
      if (stale.length > 0) await prune(stale, chatIds);
    },

    // A membership frame reached one of the user's connections: an online user who joins or
    // leaves a chat is listed in (or taken out of) its online index now, not at their next
    // connect.
    async ownMembershipChanged(userId: string, chatId: string, change: MembershipChange): Promise<void> {
      if (change === MembershipChange.ADDED) await deps.presence.addOnlineInChats(userId, [chatId]);
      else if (change === MembershipChange.REMOVED) await deps.presence.removeOnlineInChats(userId, [chatId]);
    },

    stop(): void {
      typing.stop();
    },
  };
}

export type FrameHandlers = ReturnType<typeof createFrameHandlers>;
