import type { IncomingMessage } from "node:http";
import type { RawData, WebSocket } from "ws";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChatError, isChatError, newConnectionId } from "@chat/domain";
import type { Identity, TokenVerifier } from "@chat/identity";
import type { Logger } from "@chat/observability";
import type { ClientFrame, ServerFrame } from "@chat/proto";
import { decodeClientFrame, encodeServerFrame, errorFrame, serverFrame, SUBPROTOCOL_PROTO, type Encoding } from "../protocol/frame-codec";
import type { FrameHandlers } from "../handlers/frame-handlers";
import { OPERATION_OF, type UserOperationLimiter } from "../limits/operation-limits";
import type { PresenceAnnouncer } from "../presence/presence-announcer";
import { ClientConnection, CLOSE, type ConnectionLimits } from "./client-connection";
import type { ConnectionRegistry } from "./connection-registry";
import { SessionState } from "./session-state";
import type { ExpirySweep } from "./expiry-sweep";
import type { TickCork } from "./tick-cork";

export interface SessionDeps {
  verifier: TokenVerifier;
  registry: ConnectionRegistry<ClientConnection>;
  handlers: FrameHandlers;
  userOps: UserOperationLimiter;
  announcer: PresenceAnnouncer;
  onOwnMembership: ClientConnection["onOwnMembership"];
  cork: TickCork;
  expiry: ExpirySweep<ClientConnection>;
  logger: Logger;
  limits: ConnectionLimits & {
    authTimeoutMs: number;
    heartbeatIntervalMs: number;
    maxBodyBytes: number;
    maxFrameBytes: number;
    syncMaxLimit: number;
    typingRelayIntervalMs: number;
    maxFramesBeforeHello: number;
  };
  // code: the error code sent back, for outcome "error"; startedAt: performance.now() when the
  // frame was taken up (sends only: the send→ack latency).
  onFrame(kind: string, outcome: "ok" | "error", code?: string, startedAt?: number): void;
}

// Drives one WebSocket from upgrade to close: authentication first (an `auth` frame within the
// timeout, or ?access_token= for clients that cannot send a first frame), then frames. The
// phases and what each allows are in session-state.ts. `deps` is shared by all sessions (an idle
// connection holds only what is its own); onAuthSettled is called once, when the session leaves
// the unauthenticated phases (opened or closed).
export function runSession(ws: WebSocket, req: IncomingMessage, deps: SessionDeps, onAuthSettled: () => void): void {
  const encoding: Encoding = ws.protocol === SUBPROTOCOL_PROTO ? "proto" : "json";
  const send = (f: ServerFrame) => ws.send(encodeServerFrame(f, encoding));
  const connectionId = newConnectionId();
  // Only the socket: a closure that named `req` would keep the whole upgrade request (headers)
  // alive for the life of the connection.
  const socket = req.socket;
  // Made on first use: most connections never log.
  let logger: Logger | undefined;
  const log = () => (logger ??= deps.logger.child({ connectionId }));
  const state = new SessionState();
  let conn: ClientConnection | undefined;
  // Frames that arrive while the token is being verified are held and handled in order once it
  // verifies, so a client may pipeline `auth` and its first frames without waiting for `hello`.
  const held: ClientFrame[] = [];
  let released: Promise<unknown> | undefined;
  let settled = false;
  const authSettled = () => {
    if (settled) return;
    settled = true;
    onAuthSettled();
  };

  // Removes the route once (at the first of: the server starts closing, the socket closes), and
  // announces offline when it was the user's last connection.
  const release = (c: ClientConnection, announceOffline: boolean) =>
    (released ??= deps.registry
      .release(c)
      .then(({ wentOffline }) => (wentOffline && announceOffline ? deps.announcer.enqueue(c.userId, false, deps.handlers.chatsOf(c.userId)) : undefined))
      .catch((err) => log().debug({ err }, "presence removal failed; the route expires by its TTL")));

  const fail = (e: ChatError, closeCode: number) => {
    if (!state.authFailed()) return;
    held.length = 0;
    send(errorFrame(e, "", "auth"));
    ws.close(closeCode, e.code);
  };

  let authTimer: NodeJS.Timeout | undefined = setTimeout(() => {
    if (state.phase !== "awaiting_auth" && state.phase !== "authenticating") return;
    if (!state.beginClose()) return;
    send(serverFrame({ case: "connectionClosing", value: { reason: "auth_timeout", message: `no auth frame within ${deps.limits.authTimeoutMs} ms`, reconnectAfterMs: 0 } }));
    ws.close(CLOSE.authTimeout, "auth_timeout");
  }, deps.limits.authTimeoutMs);

  const authenticate = async (token: string, replyTo: string) => {
    if (!state.startAuth()) return;
    let identity: Identity;
    try {
      identity = await deps.verifier.verify(token);
    } catch (e) {
      return fail(isChatError(e) ? e : new ChatError("unauthenticated", "authentication failed"), CLOSE.unauthenticated);
    }
    if (state.phase !== "authenticating") return;
    const c = new ClientConnection(connectionId, identity.userId, ws, encoding, deps.limits, state, () => void release(c, true), socket, deps.cork);
    let cameOnline: boolean;
    try {
      ({ cameOnline } = await deps.registry.register(c));
    } catch (err) {
      // A registration that failed by timeout may still have been applied: remove it, and open
      // nothing, so no route of a connection that is not held can outlive it.
      log().debug({ err }, "presence registration failed");
      void release(c, false);
      return fail(new ChatError("unavailable", "presence is unavailable; reconnect later", { retryAfterMs: 1000, details: { cause: "presence_unavailable" } }), CLOSE.tryAgainLater);
    }
    if (state.registered() === "release") {
      // Closed while registering: take the route back and announce nothing, unless another
      // device left meanwhile and only this route kept the user online.
      void release(c, !cameOnline);
      return;
    }
    clearTimeout(authTimer);
    authTimer = undefined;
    authSettled();
    c.onOwnMembership = deps.onOwnMembership;
    deps.registry.hold(c);
    conn = c;
    c.reply(hello(identity, replyTo));
    // Not log(): its child logger would stay with every connection.
    deps.logger.debug({ connectionId, userId: identity.userId }, "authenticated");
    for (const f of held.splice(0)) void dispatch(c, f);
    // The user's chats are read once for the announcement and the snapshot.
    const chats = deps.handlers.chatsOf(identity.userId);
    if (cameOnline) void deps.announcer.enqueue(identity.userId, true, chats);
    void chats.then((ids) => deps.handlers.presenceSnapshot(c, ids)).catch((err: unknown) => log().debug({ err }, "presence snapshot failed"));
    // The connection ends when its token does; the client reconnects with a fresh one.
    deps.expiry.add(c, identity.expiresAtMs);
  };

  const hello = (identity: Identity, replyTo: string): ServerFrame => {
    const l = deps.limits;
    const bucket = (op: keyof ConnectionLimits["operations"]) => l.operations[op].connection;
    return serverFrame(
      {
        case: "hello",
        value: {
          connectionId,
          userId: identity.userId,
          heartbeatIntervalMs: l.heartbeatIntervalMs,
          protocol: "v1",
          serverTime: timestampFromDate(new Date()),
          limits: {
            maxBodyBytes: l.maxBodyBytes,
            maxFrameBytes: l.maxFrameBytes,
            sendsPerSecond: l.operations.send.connection.perSecond,
            sendBurst: l.operations.send.connection.burst,
            outboundBufferMessages: l.outboundBufferMessages,
            syncMaxLimit: l.syncMaxLimit,
            outboundBufferBytes: l.outboundBufferBytes,
            maxInFlightRequests: l.maxInFlightPerConnection,
            typing: bucket("typing"),
            receipts: bucket("receipt"),
            sync: bucket("sync"),
            ping: bucket("ping"),
            typingRelayIntervalMs: l.typingRelayIntervalMs,
          },
        },
      },
      replyTo,
    );
  };

  const url = new URL(req.url ?? "/", "http://gateway");
  const queryToken = url.searchParams.get("access_token");
  if (queryToken !== null) void authenticate(queryToken, "");

  ws.on("message", (data: RawData, isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(buf, isBinary, encoding);
    } catch (e) {
      const err = e as ChatError;
      deps.onFrame("undecodable", "error");
      if (conn && state.isOpen) return void conn.reply(errorFrame(err, "", ""));
      return fail(new ChatError("unauthenticated", `the first frame must be a valid auth frame (${err.message})`), CLOSE.unauthenticated);
    }
    switch (state.onFrame(frame.kind.case === "auth")) {
      case "auth":
        return void authenticate((frame.kind.value as { accessToken: string }).accessToken, frame.requestId);
      case "refuse":
        // Before authentication only `auth` is accepted: anything else is a protocol violation.
        return fail(new ChatError("unauthenticated", "authenticate first with an auth frame"), CLOSE.unauthenticated);
      case "hold":
        if (held.length >= deps.limits.maxFramesBeforeHello) return fail(new ChatError("unauthenticated", `more than ${deps.limits.maxFramesBeforeHello} frames before hello`), CLOSE.unauthenticated);
        return void held.push(frame);
      case "handle":
        conn!.alive = true;
        return void dispatch(conn!, frame);
      case "drop":
        return;
    }
  });

  const dispatch = async (c: ClientConnection, frame: ClientFrame) => {
    const kind = frame.kind.case!;
    const startedAt = kind === "sendMessage" ? performance.now() : undefined;
    const started = c.beginRequest();
    try {
      if (!started) throw new ChatError("rate_limited", `more than ${2 * deps.limits.maxInFlightPerConnection} requests in flight on this connection`, { retryAfterMs: 100 });
      if (frame.kind.case === "auth") throw new ChatError("invalid_argument", "already authenticated");
      const op = OPERATION_OF[kind as Exclude<typeof kind, "auth">];
      c.takeToken(op);
      deps.userOps.take(op, c.userId, Date.now());
      // The handlers are keyed by the frame kinds they serve (see createFrameHandlers).
      const handle = deps.handlers[kind as Exclude<typeof kind, "auth">] as (c: ClientConnection, value: unknown, requestId: string) => Promise<ServerFrame | undefined>;
      const answer = await handle(c, frame.kind.value, frame.requestId);
      deps.onFrame(kind, "ok", undefined, startedAt);
      // A copy: the handler may have handed the same frame to the relay for other members.
      if (answer) c.reply({ ...answer, replyTo: frame.requestId });
    } catch (e) {
      const err = isChatError(e) ? e : new ChatError("internal", "internal error");
      deps.onFrame(kind, "error", err.code, startedAt);
      if (!isChatError(e)) log().error({ err: e, kind, requestId: frame.requestId }, "frame handler failed");
      const send = frame.kind.case === "sendMessage" ? { chatId: frame.kind.value.chatId, clientMessageId: frame.kind.value.clientMessageId } : {};
      c.reply(errorFrame(err, frame.requestId, snake(kind), send));
    } finally {
      if (started) c.endRequest();
    }
  };

  ws.on("pong", () => {
    if (conn) conn.alive = true;
  });

  ws.on("close", () => {
    clearTimeout(authTimer);
    authTimer = undefined;
    if (conn) deps.expiry.delete(conn);
    authSettled();
    const { release: mustRelease } = state.socketClosed();
    if (mustRelease && conn) void release(conn, true);
  });

  ws.on("error", (err) => log().debug({ err }, "websocket error"));
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
