import type { IncomingMessage } from "node:http";
import type { RawData, WebSocket } from "ws";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChatError, isChatError, newConnectionId } from "@chat/domain";
import type { TokenVerifier } from "@chat/identity";
import type { Logger } from "@chat/observability";
import type { ClientFrame, ServerFrame } from "@chat/proto";
import { decodeClientFrame, encodeServerFrame, errorFrame, serverFrame, SUBPROTOCOL_PROTO, type Encoding } from "../protocol/frame-codec";
import type { FrameHandlers } from "../handlers/frame-handlers";
import { ClientConnection, CLOSE, type ConnectionLimits } from "./client-connection";
import type { ConnectionRegistry } from "./connection-registry";

const MAX_HELD_FRAMES = 32;

export interface SessionDeps {
  verifier: TokenVerifier;
  registry: ConnectionRegistry;
  handlers: FrameHandlers;
  logger: Logger;
  limits: ConnectionLimits & { authTimeoutMs: number; heartbeatIntervalMs: number; maxBodyBytes: number; maxFrameBytes: number; syncMaxLimit: number };
  onFrame(kind: string, outcome: "ok" | "error"): void;
}

// Drives one WebSocket from upgrade to close: authentication first (an `auth` frame within the
// timeout, or ?access_token= for clients that cannot send a first frame), then frames.
export function runSession(ws: WebSocket, req: IncomingMessage, deps: SessionDeps): void {
  const encoding: Encoding = ws.protocol === SUBPROTOCOL_PROTO ? "proto" : "json";
  const send = (f: ServerFrame) => ws.send(encodeServerFrame(f, encoding));
  const connectionId = newConnectionId();
  const log = deps.logger.child({ connectionId });
  let conn: ClientConnection | undefined;
  let authenticating = false;
  // Frames that arrive while the token is being verified are held and handled in order once it
  // verifies, so a client may pipeline `auth` and its first frames without waiting for `hello`.
  const held: ClientFrame[] = [];
  let expiryTimer: NodeJS.Timeout | undefined;
  let registered: Promise<unknown> = Promise.resolve();

  const fail = (e: ChatError, closeCode: number) => {
    send(errorFrame(e, "", "auth"));
    ws.close(closeCode, e.code);
  };

  const authTimer = setTimeout(() => {
    if (conn) return;
    send(serverFrame({ case: "connectionClosing", value: { reason: "auth_timeout", message: `no auth frame within ${deps.limits.authTimeoutMs} ms`, reconnectAfterMs: 0 } }));
    ws.close(CLOSE.authTimeout, "auth_timeout");
  }, deps.limits.authTimeoutMs);

  const authenticate = async (token: string, replyTo: string) => {
    authenticating = true;
    try {
      const identity = await deps.verifier.verify(token);
      if (ws.readyState !== ws.OPEN) return;
      clearTimeout(authTimer);
      conn = new ClientConnection(connectionId, identity.userId, ws, encoding, deps.limits);
      const c = conn;
      const registration = deps.registry.add(c);
      registered = registration;
      const { cameOnline } = await registration;
      c.reply(
        serverFrame(
          {
            case: "hello",
            value: {
              connectionId,
              userId: identity.userId,
              heartbeatIntervalMs: deps.limits.heartbeatIntervalMs,
              protocol: "v1",
              serverTime: timestampFromDate(new Date()),
              limits: {
                maxBodyBytes: deps.limits.maxBodyBytes,
                maxFrameBytes: deps.limits.maxFrameBytes,
                sendsPerSecond: deps.limits.sendsPerSecond,
                sendBurst: deps.limits.sendBurst,
                outboundBufferMessages: deps.limits.outboundBufferMessages,
                syncMaxLimit: deps.limits.syncMaxLimit,
              },
            },
          },
          replyTo,
        ),
      );
      log.debug({ userId: identity.userId }, "authenticated");
      for (const f of held.splice(0)) void dispatch(c, f);
      if (cameOnline) void deps.handlers.announcePresence(identity.userId, true).catch((err) => log.warn({ err }, "presence announce failed"));
      // The connection ends when its token does; the client reconnects with a fresh one.
      const untilExpiry = identity.expiresAtMs - Date.now();
      if (untilExpiry < 2 ** 31 - 1) {
        expiryTimer = setTimeout(() => c.close(CLOSE.unauthenticated, "token_expired", "access token expired; reconnect with a new token", 0), Math.max(0, untilExpiry));
        expiryTimer.unref();
      }
    } catch (e) {
      held.length = 0;
      fail(isChatError(e) ? e : new ChatError("unauthenticated", "authentication failed"), CLOSE.unauthenticated);
    } finally {
      authenticating = false;
    }
  };

  const url = new URL(req.url ?? "/", "http://gateway");
  const queryToken = url.searchParams.get("access_token");
  if (queryToken !== null) void authenticate(queryToken, "");

  ws.on("message", (data: RawData, isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(buf, isBinary, encoding);
    } catch (e) {
      const err = e as ChatError;
      deps.onFrame("undecodable", "error");
      if (!conn) return fail(new ChatError("unauthenticated", `the first frame must be a valid auth frame (${err.message})`), CLOSE.unauthenticated);
      return void conn.reply(errorFrame(err, "", ""));
    }
    if (!conn) {
      if (authenticating) {
        if (held.length >= MAX_HELD_FRAMES) return fail(new ChatError("unauthenticated", `more than ${MAX_HELD_FRAMES} frames before hello`), CLOSE.unauthenticated);
        return void held.push(frame);
      }
      // Before authentication only `auth` is accepted: anything else is a protocol violation.
      if (frame.kind.case !== "auth") return fail(new ChatError("unauthenticated", "authenticate first with an auth frame"), CLOSE.unauthenticated);
      return void authenticate(frame.kind.value.accessToken, frame.requestId);
    }
    conn.alive = true;
    void dispatch(conn, frame);
  });

  const dispatch = async (c: ClientConnection, frame: ClientFrame) => {
    const kind = frame.kind.case!;
    try {
      if (frame.kind.case === "auth") throw new ChatError("invalid_argument", "already authenticated");
      // The handlers are keyed by the frame kinds they serve (see createFrameHandlers).
      const handle = deps.handlers[kind as Exclude<typeof kind, "auth">] as (c: ClientConnection, value: unknown) => Promise<ServerFrame | undefined>;
      const answer = await handle(c, frame.kind.value);
      deps.onFrame(kind, "ok");
      // A copy: the handler may have handed the same frame to the relay for other members.
      if (answer) c.reply({ ...answer, replyTo: frame.requestId });
    } catch (e) {
      deps.onFrame(kind, "error");
      const err = isChatError(e) ? e : new ChatError("internal", "internal error");
      if (!isChatError(e)) log.error({ err: e, kind }, "frame handler failed");
      const send = frame.kind.case === "sendMessage" ? { chatId: frame.kind.value.chatId, clientMessageId: frame.kind.value.clientMessageId } : {};
      c.reply(errorFrame(err, frame.requestId, snake(kind), send));
    }
  };

  ws.on("pong", () => {
    if (conn) conn.alive = true;
  });

  ws.on("close", () => {
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    const c = conn;
    if (!c) return;
    c.markClosed();
    // After the registration settled, so a close during it cannot leave a route behind.
    void registered
      .then(() => deps.registry.remove(c))
      .then(({ wentOffline }) => (wentOffline ? deps.handlers.announcePresence(c.userId, false) : undefined))
      .catch((err) => log.warn({ err }, "presence removal failed"));
  });

  ws.on("error", (err) => log.debug({ err }, "websocket error"));
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
