import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChatError, isChatError, newConnectionId } from "@chat/domain";
import type { Identity, TokenVerifier } from "@chat/identity";
import type { Logger } from "@chat/observability";
import { ConnectionLimitsSchema, type ClientFrame, type ConnectionLimits as ConnectionLimitsMessage, type ServerFrame } from "@chat/proto";
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

// The session of a WebSocket, kept on the socket itself so that the four listeners below are
// shared by all connections instead of closures made per connection.
const SESSION = Symbol("session");
type SessionSocket = WebSocket & { [SESSION]: Session };

// Drives one WebSocket from upgrade to close: authentication first (an `auth` frame within the
// timeout, or ?access_token= for clients that cannot send a first frame), then frames. The
// phases and what each allows are in session-state.ts. `deps` is shared by all sessions (an idle
// connection holds only what is its own); onAuthSettled is called once, when the session leaves
// the unauthenticated phases (opened or closed).
export function runSession(ws: WebSocket, req: IncomingMessage, deps: SessionDeps, onAuthSettled: () => void): void {
  // Only the socket: keeping `req` would keep the whole upgrade request (headers) alive for the
  // life of the connection.
  const session = new Session(ws, req.socket, deps, onAuthSettled);
  (ws as SessionSocket)[SESSION] = session;
  const queryToken = new URL(req.url ?? "/", "http://gateway").searchParams.get("access_token");
  if (queryToken !== null) void session.authenticate(queryToken, "");
  ws.on("message", onMessage);
  ws.on("pong", onPong);
  ws.on("close", onClose);
  ws.on("error", onError);
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as SessionSocket)[SESSION].message(data, isBinary);
}

function onPong(this: WebSocket): void {
  const conn = (this as SessionSocket)[SESSION].conn;
  if (conn) conn.alive = true;
}

function onClose(this: WebSocket): void {
  (this as SessionSocket)[SESSION].closed();
}

function onError(this: WebSocket, err: Error): void {
  (this as SessionSocket)[SESSION].log().debug({ err }, "websocket error");
}

// One object per connection with only its own state: an idle authenticated connection holds
// this, its ClientConnection and the WebSocket (no closures, no per-connection logger).
class Session {
  private readonly encoding: Encoding;
  private readonly connectionId = newConnectionId();
  private readonly state = new SessionState();
  conn?: ClientConnection;
  // Made on first use: most connections never log.
  private logger?: Logger;
  // Frames that arrive while the token is being verified are held and handled in order once it
  // verifies, so a client may pipeline `auth` and its first frames without waiting for `hello`.
  private held?: ClientFrame[];
  private released?: Promise<unknown>;
  private settled = false;
  private authTimer?: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly deps: SessionDeps,
    private readonly onAuthSettled: () => void,
  ) {
    this.encoding = ws.protocol === SUBPROTOCOL_PROTO ? "proto" : "json";
    this.authTimer = setTimeout(() => this.authTimedOut(), deps.limits.authTimeoutMs);
  }

  log(): Logger {
    return (this.logger ??= this.deps.logger.child({ connectionId: this.connectionId }));
  }

  private send(f: ServerFrame): void {
    this.ws.send(encodeServerFrame(f, this.encoding));
  }

  private authSettled(): void {
    if (this.settled) return;
    this.settled = true;
    this.onAuthSettled();
  }

  private authTimedOut(): void {
    const { state, deps } = this;
    if (state.phase !== "awaiting_auth" && state.phase !== "authenticating") return;
    if (!state.beginClose()) return;
    this.send(serverFrame({ case: "connectionClosing", value: { reason: "auth_timeout", message: `no auth frame within ${deps.limits.authTimeoutMs} ms`, reconnectAfterMs: 0 } }));
    this.ws.close(CLOSE.authTimeout, "auth_timeout");
  }

  // Removes the route once (at the first of: the server starts closing, the socket closes), and
  // announces offline when it was the user's last connection.
  private release(c: ClientConnection, announceOffline: boolean): Promise<unknown> {
    const { deps } = this;
    return (this.released ??= deps.registry
      .release(c)
      .then(({ wentOffline }) => (wentOffline && announceOffline ? deps.announcer.enqueue(c.userId, false, deps.handlers.chatsOf(c.userId)) : undefined))
      .catch((err) => this.log().debug({ err }, "presence removal failed; the route expires by its TTL")));
  }

  private fail(e: ChatError, closeCode: number): void {
    if (!this.state.authFailed()) return;
    this.held = undefined;
    this.send(errorFrame(e, "", "auth"));
    this.ws.close(closeCode, e.code);
  }

  async authenticate(token: string, replyTo: string): Promise<void> {
    const { state, deps } = this;
    if (!state.startAuth()) return;
    let identity: Identity;
    try {
      identity = await deps.verifier.verify(token);
    } catch (e) {
      return this.fail(isChatError(e) ? e : new ChatError("unauthenticated", "authentication failed"), CLOSE.unauthenticated);
    }
    if (state.phase !== "authenticating") return;
    const c: ClientConnection = new ClientConnection(this.connectionId, identity.userId, this.ws, this.encoding, deps.limits, state, () => void this.release(c, true), this.socket, deps.cork);
    let cameOnline: boolean;
    try {
      ({ cameOnline } = await deps.registry.register(c));
    } catch (err) {
      // A registration that failed by timeout may still have been applied: remove it, and open
      // nothing, so no route of a connection that is not held can outlive it.
      this.log().debug({ err }, "presence registration failed");
      void this.release(c, false);
      return this.fail(new ChatError("unavailable", "presence is unavailable; reconnect later", { retryAfterMs: 1000, details: { cause: "presence_unavailable" } }), CLOSE.tryAgainLater);
    }
    if (state.registered() === "release") {
      // Closed while registering: take the route back and announce nothing, unless another
      // device left meanwhile and only this route kept the user online.
      void this.release(c, !cameOnline);
      return;
    }
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.authSettled();
    c.onOwnMembership = deps.onOwnMembership;
    deps.registry.hold(c);
    this.conn = c;
    c.reply(this.hello(identity, replyTo));
    // Not log(): its child logger would stay with every connection.
    deps.logger.debug({ connectionId: this.connectionId, userId: identity.userId }, "authenticated");
    const held = this.held;
    this.held = undefined;
    for (const f of held ?? []) void this.dispatch(c, f);
    // The user's chats are read once for the announcement and the snapshot.
    const chats = deps.handlers.chatsOf(identity.userId);
    if (cameOnline) void deps.announcer.enqueue(identity.userId, true, chats);
    void chats.then((ids) => deps.handlers.presenceSnapshot(c, ids)).catch((err: unknown) => this.log().debug({ err }, "presence snapshot failed"));
    // The connection ends when its token does; the client reconnects with a fresh one.
    deps.expiry.add(c, identity.expiresAtMs);
  }

  private hello(identity: Identity, replyTo: string): ServerFrame {
    return serverFrame(
      {
        case: "hello",
        value: {
          connectionId: this.connectionId,
          userId: identity.userId,
          heartbeatIntervalMs: this.deps.limits.heartbeatIntervalMs,
          protocol: "v1",
          serverTime: timestampFromDate(new Date()),
          limits: helloLimits(this.deps.limits),
        },
      },
      replyTo,
    );
  }

  message(data: RawData, isBinary: boolean): void {
    const { state, deps, conn } = this;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(buf, isBinary, this.encoding);
    } catch (e) {
      const err = e as ChatError;
      deps.onFrame("undecodable", "error");
      if (conn && state.isOpen) return void conn.reply(errorFrame(err, "", ""));
      return this.fail(new ChatError("unauthenticated", `the first frame must be a valid auth frame (${err.message})`), CLOSE.unauthenticated);
    }
    switch (state.onFrame(frame.kind.case === "auth")) {
      case "auth":
        return void this.authenticate((frame.kind.value as { accessToken: string }).accessToken, frame.requestId);
      case "refuse":
        // Before authentication only `auth` is accepted: anything else is a protocol violation.
        return this.fail(new ChatError("unauthenticated", "authenticate first with an auth frame"), CLOSE.unauthenticated);
      case "hold": {
        const held = (this.held ??= []);
        if (held.length >= deps.limits.maxFramesBeforeHello) return this.fail(new ChatError("unauthenticated", `more than ${deps.limits.maxFramesBeforeHello} frames before hello`), CLOSE.unauthenticated);
        return void held.push(frame);
      }
      case "handle":
        conn!.alive = true;
        return void this.dispatch(conn!, frame);
      case "drop":
        return;
    }
  }

  private async dispatch(c: ClientConnection, frame: ClientFrame): Promise<void> {
    const { deps } = this;
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
      if (!isChatError(e)) this.log().error({ err: e, kind, requestId: frame.requestId }, "frame handler failed");
      const send = frame.kind.case === "sendMessage" ? { chatId: frame.kind.value.chatId, clientMessageId: frame.kind.value.clientMessageId } : {};
      c.reply(errorFrame(err, frame.requestId, snake(kind), send));
    } finally {
      if (started) c.endRequest();
    }
  }

  closed(): void {
    const { state, deps, conn } = this;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    if (conn) deps.expiry.delete(conn);
    this.authSettled();
    const { release: mustRelease } = state.socketClosed();
    if (mustRelease && conn) void this.release(conn, true);
  }
}

// The limits every hello carries are the same for all sessions of a gateway: built once (create()
// takes a message as it is), not per connect.
const helloLimitsOf = new WeakMap<SessionDeps["limits"], ConnectionLimitsMessage>();
function helloLimits(l: SessionDeps["limits"]): ConnectionLimitsMessage {
  let limits = helloLimitsOf.get(l);
  if (limits) return limits;
  const bucket = (op: keyof ConnectionLimits["operations"]) => l.operations[op].connection;
  limits = create(ConnectionLimitsSchema, {
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
  });
  helloLimitsOf.set(l, limits);
  return limits;
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
