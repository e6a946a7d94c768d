import type { Message, ServerFrame, ServerHello, ServerMembership, ServerPresence, ServerReceipt, ServerTyping } from "@chat/proto";
import { MembershipChange } from "@chat/proto";
import { createChatApi, type ChatApi } from "../api/chat-api";
import { TokenSource, type TokenProvider } from "../auth/token-source";
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffOptions } from "../connection/backoff";
import { Connection } from "../connection/connection";
import { globalWebSocketFactory, type WebSocketFactory } from "../connection/websocket";
import { ChatClientError } from "../errors";
import { Emitter } from "../events/emitter";
import { newClientMessageId } from "../ids";
import { OutboxQueue, type QueuedSend } from "../outbox/outbox-queue";
import { MemoryOutboxStorage, outboxKey, type OutboxEntry, type OutboxStorage } from "../outbox/outbox-storage";
import { SUBPROTOCOL, type Encoding } from "../protocol/codec";
import { ReceiptCoalescer, type ReceiptKind } from "../receipts/receipt-coalescer";
import { ChatStream, DEFAULT_STREAM_OPTIONS, type StreamStep } from "../sync/chat-stream";
import { TypingThrottle } from "../typing/typing-throttle";
import { checkBody, checkContentType, checkId, checkSeq } from "../validation";

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface StateChange {
  state: ConnectionState;
  // For "reconnecting": the close that caused it and the wait before the next attempt.
  code?: number;
  reason?: string;
  delayMs?: number;
  attempt?: number;
}

export interface SendAck {
  chatId: string;
  clientMessageId: string;
  seq: bigint;
  messageId: string;
  createdAt?: Date;
  // True when the server already had this clientMessageId (a retry of a stored send).
  duplicate: boolean;
}

export interface SendOptions {
  // Idempotency key; generated when omitted. Reusing one resends the same message.
  clientMessageId?: string;
  contentType?: string;
}

export interface ChatClientEvents {
  state: StateChange;
  hello: ServerHello;
  // Every message of every tracked chat, in seq order per chat, each (chat, seq) once.
  message: Message;
  // A chat finished catching up (after connect, reconnect or a gap): `lastSeq` is its position.
  synced: { chatId: string; lastSeq: bigint };
  // Every acknowledged send, including ones restored from a persistent outbox.
  ack: SendAck;
  // A send answered with a transient error (rate_limited, unavailable, …): it stays queued and
  // is resent with the same clientMessageId after `delayMs`.
  sendRetry: { entry: OutboxEntry; code: string; delayMs: number };
  // A send removed from the outbox by a permanent error (also the rejection of its send()).
  sendFailed: { entry: OutboxEntry; error: ChatClientError };
  // Another member's delivered/read position changed.
  receipt: ServerReceipt;
  presence: ServerPresence;
  typing: ServerTyping;
  membership: ServerMembership;
  // Problems that belong to no call: unsolicited error frames, failed syncs, token provider
  // failures, undecodable frames.
  error: ChatClientError;
}

export interface ChatClientOptions {
  // The gateway's WebSocket endpoint, e.g. ws://127.0.0.1:8080/ws/v1.
  url: string;
  // The chat-management API (REST/Connect port), e.g. http://127.0.0.1:8081; enables `client.api`.
  apiUrl?: string;
  token: TokenProvider;
  // "json" (chat.v1.json, the default) or "binary" (chat.v1.proto).
  encoding?: Encoding;
  // Defaults to the global WebSocket (browsers); in Node use @chat/client/node.
  webSocket?: WebSocketFactory;
  // Unacknowledged sends; memory by default (survives reconnects, not restarts).
  outbox?: OutboxStorage;
  // Chats to follow from the given position (the last seq the app has), e.g. restored from
  // `client.positions()` of a previous run. More can be added with `trackChat`.
  chats?: Record<string, bigint | number | string>;
  // A message or membership frame for a chat that is not tracked: "sync" (default) tracks it
  // from seq 0 and emits its whole history first; "ignore" drops it.
  untrackedChats?: "sync" | "ignore";
  // Sends `ack` (delivered) for every emitted message, coalesced per chat. Default true.
  autoMarkDelivered?: boolean;
  backoff?: Partial<BackoffOptions>;
  // Timeout for each request frame (send, sync, receipts, ping). Default 10 s.
  requestTimeoutMs?: number;
  // Ping when nothing arrived for this long (default: the server's heartbeat interval), and
  // reconnect when no pong follows within pongTimeoutMs (default 10 s).
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  // Page size of sync requests (1..100, default 100).
  syncPageSize?: number;
  // How long a missing seq is waited for before it counts as a hole (default 25 s, above the
  // store's hole-finality bound; lower it only if your deployment's bound is lower).
  holeTimeoutMs?: number;
  // `setTyping(chat, true)` goes out at most once per this interval per chat (default 3 s).
  typingIntervalMs?: number;
  // Receipts marked within this window are sent as one frame per chat (default 50 ms).
  receiptDelayMs?: number;
  fetch?: typeof globalThis.fetch;
  // For tests: the randomness of the backoff jitter.
  random?: () => number;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: ChatClientError): void;
}

const DEFAULT_MAX_BODY_BYTES = 65536;
// setTimeout overflows above 2^31-1 ms.
const MAX_TIMER_MS = 2_147_000_000;

// The chat SDK: one WebSocket to the gateway, kept open (reconnect with backoff and jitter),
// resumed (each tracked chat is synced from its last seq before its live messages are emitted),
// with an outbox that resends until acknowledged.
export class ChatClient extends Emitter<ChatClientEvents> {
  readonly tokens: TokenSource;
  private readonly opts: Required<Omit<ChatClientOptions, "apiUrl" | "chats" | "fetch" | "outbox" | "backoff" | "pingIntervalMs" | "webSocket">> & {
    backoff: BackoffOptions;
    pingIntervalMs?: number;
  };
  private readonly socketFactory: WebSocketFactory;
  private readonly storage: OutboxStorage;
  private readonly queue: OutboxQueue;
  private readonly sendWaiters = new Map<string, { promise: Promise<SendAck>; waiter: Waiter<SendAck> }>();
  private readonly streams = new Map<string, ChatStream>();
  private readonly receipts = new ReceiptCoalescer();
  private readonly receiptWaiters = new Map<string, Array<{ kind: ReceiptKind; seq: bigint } & Waiter<ServerReceipt>>>();
  private readonly typing: TypingThrottle;
  private apiClient: ChatApi | undefined;
  private readonly apiUrl: string | undefined;
  private readonly fetchImpl: typeof globalThis.fetch | undefined;

  private stateValue: ConnectionState = "idle";
  private conn: Connection | undefined;
  private connGeneration = 0;
  private helloValue: ServerHello | undefined;
  private attempt = 0;
  private everOpened = false;
  private reconnectHintMs = 0;
  private restoreOutbox: Promise<void> | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private connTimers: Array<ReturnType<typeof setTimeout>> = [];
  private pumpTimer: ReturnType<typeof setTimeout> | undefined;
  private receiptTimer: ReturnType<typeof setTimeout> | undefined;
  private openWaiters: Array<Waiter<ServerHello>> = [];

  constructor(options: ChatClientOptions) {
    super();
    const factory = options.webSocket ?? globalWebSocketFactory();
    if (!factory) throw new ChatClientError("invalid_argument", "no WebSocket implementation: pass `webSocket` (in Node import from @chat/client/node)");
    this.socketFactory = factory;
    this.opts = {
      url: options.url,
      token: options.token,
      encoding: options.encoding ?? "json",
      untrackedChats: options.untrackedChats ?? "sync",
      autoMarkDelivered: options.autoMarkDelivered ?? true,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      pingIntervalMs: options.pingIntervalMs,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      syncPageSize: Math.min(100, Math.max(1, options.syncPageSize ?? 100)),
      holeTimeoutMs: options.holeTimeoutMs ?? DEFAULT_STREAM_OPTIONS.holeTimeoutMs,
      typingIntervalMs: options.typingIntervalMs ?? 3000,
      receiptDelayMs: options.receiptDelayMs ?? 50,
      random: options.random ?? Math.random,
    };
    if (this.opts.encoding !== "json" && this.opts.encoding !== "binary") throw new ChatClientError("invalid_argument", "encoding must be \"json\" or \"binary\"");
    this.tokens = new TokenSource(options.token);
    this.storage = options.outbox ?? new MemoryOutboxStorage();
    this.queue = new OutboxQueue(undefined, this.opts.random);
    this.typing = new TypingThrottle(this.opts.typingIntervalMs);
    this.apiUrl = options.apiUrl;
    this.fetchImpl = options.fetch;
    for (const [chatId, seq] of Object.entries(options.chats ?? {})) this.trackChat(chatId, seq);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  // The server's hello of the current connection (limits, user id), once open.
  get hello(): ServerHello | undefined {
    return this.helloValue;
  }

  get userId(): string | undefined {
    return this.helloValue?.userId;
  }

  // The chat-management client (needs `apiUrl`), sharing this client's token provider.
  get api(): ChatApi {
    if (!this.apiUrl) throw new ChatClientError("invalid_argument", "pass `apiUrl` to use the chat-management API");
    this.apiClient ??= createChatApi(this.tokens, { baseUrl: this.apiUrl, fetch: this.fetchImpl });
    return this.apiClient;
  }

  // Opens the connection and keeps it open until close(). Resolves with the first hello;
  // failures before that are retried with backoff (watch the `error` and `state` events).
  connect(): Promise<ServerHello> {
    if (this.stateValue === "closed") return Promise.reject(new ChatClientError("closed", "this client was closed; create a new one"));
    if (this.stateValue === "open" && this.helloValue) return Promise.resolve(this.helloValue);
    const opened = new Promise<ServerHello>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    if (this.stateValue === "idle") {
      this.restoreOutbox = this.loadOutbox();
      this.setState({ state: "connecting" });
      void this.openSocket();
    }
    return opened;
  }

  // Closes the connection for good. Pending send() promises reject with `closed`; their entries
  // stay in the outbox storage for the next client.
  async close(): Promise<void> {
    if (this.stateValue === "closed") return;
    this.stateValue = "closed";
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.clearConnTimers();
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.conn?.close(1000, "client closed");
    this.conn = undefined;
    const closed = new ChatClientError("closed", "client closed");
    for (const w of this.openWaiters) w.reject(closed);
    this.openWaiters = [];
    for (const { waiter } of this.sendWaiters.values()) waiter.reject(closed);
    this.sendWaiters.clear();
    for (const ws of this.receiptWaiters.values()) for (const w of ws) w.reject(closed);
    this.receiptWaiters.clear();
    this.emit("state", { state: "closed" });
    await this.restoreOutbox?.catch(() => undefined);
  }

  // Follows a chat from `afterSeq` (the last seq the app already has; 0 = from the start).
  // Tracking an already tracked chat changes nothing.
  trackChat(chatId: string, afterSeq: bigint | number | string = 0n): void {
    checkId("chatId", chatId);
    const from = afterSeq === 0 || afterSeq === 0n || afterSeq === "0" ? 0n : checkSeq("afterSeq", afterSeq);
    if (this.streams.has(chatId)) return;
    const stream = new ChatStream(chatId, from, { holeTimeoutMs: this.opts.holeTimeoutMs, gapRetryMs: DEFAULT_STREAM_OPTIONS.gapRetryMs });
    this.streams.set(chatId, stream);
    if (this.stateValue === "open") this.startSync(stream);
  }

  untrackChat(chatId: string): void {
    this.streams.delete(chatId);
  }

  // The last seq emitted per tracked chat: persist it and pass it as `chats` next time to resume
  // without re-emitting.
  positions(): Record<string, bigint> {
    return Object.fromEntries([...this.streams].map(([id, s]) => [id, s.last]));
  }

  // Sends a message. Resolves with the ack once it is durably stored; until then it sits in the
  // outbox and is resent with the same clientMessageId across reconnects. Rejects only for a
  // permanent error (typed ChatClientError) or close().
  async send(chatId: string, body: string, options: SendOptions = {}): Promise<SendAck> {
    if (this.stateValue === "closed") throw new ChatClientError("closed", "client closed");
    checkId("chatId", chatId);
    const clientMessageId = options.clientMessageId === undefined ? newClientMessageId() : checkId("clientMessageId", options.clientMessageId);
    checkBody(body, this.helloValue?.limits?.maxBodyBytes || DEFAULT_MAX_BODY_BYTES);
    const contentType = checkContentType(options.contentType);
    const key = outboxKey(chatId, clientMessageId);
    const existing = this.sendWaiters.get(key);
    if (existing) return existing.promise;
    const entry: OutboxEntry = { chatId, clientMessageId, body, contentType, createdAt: Date.now() };
    const promise = this.waitForAck(entry);
    await this.restoreOutbox;
    await this.storage.put(entry);
    this.queue.add(entry, Date.now());
    this.pump();
    return promise;
  }

  // Entries not yet acknowledged (restored ones included).
  pendingSends(): OutboxEntry[] {
    return this.queue.entries();
  }

  // Delivered up to `seq`, coalesced per chat. Resolves with the stored position.
  markDelivered(chatId: string, seq: bigint | number | string): Promise<ServerReceipt> {
    return this.mark(chatId, "delivered", seq);
  }

  // Read up to `seq` (implies delivered), coalesced per chat.
  markRead(chatId: string, seq: bigint | number | string): Promise<ServerReceipt> {
    return this.mark(chatId, "read", seq);
  }

  // Typing indicator, throttled: repeated `true` goes out at most once per typingIntervalMs;
  // `false` goes out at once if `true` was sent. Dropped while disconnected (it is ephemeral).
  setTyping(chatId: string, active: boolean): void {
    checkId("chatId", chatId);
    if (!this.conn?.isOpen || this.stateValue !== "open") return;
    if (!this.typing.shouldSend(chatId, active, Date.now())) return;
    this.conn.send({ case: "typing", value: { chatId, active } });
  }

  // ---- connection lifecycle ----

  private async openSocket(): Promise<void> {
    const generation = ++this.connGeneration;
    let token: string;
    try {
      token = await this.tokens.get();
    } catch (e) {
      if (this.stateValue === "closed" || generation !== this.connGeneration) return;
      this.emit("error", new ChatClientError("unauthenticated", `token provider failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      this.scheduleReconnect(0, "token_provider_failed");
      return;
    }
    if (this.stateValue === "closed" || generation !== this.connGeneration) return;
    let socket;
    try {
      socket = this.socketFactory(this.opts.url, [SUBPROTOCOL[this.opts.encoding]]);
    } catch (e) {
      this.emit("error", new ChatClientError("unavailable", `cannot open WebSocket: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      this.scheduleReconnect(0, "socket_failed");
      return;
    }
    let authenticated = false;
    const conn: Connection = new Connection(
      socket,
      this.opts.encoding,
      {
        onOpen: () => {
          conn.request({ case: "auth", value: { accessToken: token } }, this.opts.requestTimeoutMs).then(
            (frame) => {
              if (frame.kind.case === "hello") {
                authenticated = true;
                this.onHello(conn, frame.kind.value);
              } else {
                this.onAuthRejected(frame);
                conn.close(4401, "unauthenticated");
              }
            },
            () => conn.close(4000, "auth timeout"),
          );
        },
        onFrame: (frame) => {
          if (!authenticated && frame.kind.case === "error") return this.onAuthRejected(frame);
          this.onPush(frame);
        },
        onClose: (code, reason) => this.onClosed(conn, code, reason),
        onDecodeError: (e) => this.emit("error", new ChatClientError("malformed_frame", `cannot decode a server frame: ${e instanceof Error ? e.message : String(e)}`, { cause: e })),
      },
      `${generation}.`,
    );
    this.conn = conn;
  }

  private onAuthRejected(frame: ServerFrame): void {
    if (frame.kind.case !== "error") return;
    const { code, message } = frame.kind.value;
    // Any auth failure asks the provider for a new token before the next attempt.
    this.tokens.invalidate("expired");
    this.emit("error", new ChatClientError(code === "token_expired" ? "token_expired" : "unauthenticated", message));
  }

  private onHello(conn: Connection, hello: ServerHello): void {
    if (conn !== this.conn || this.stateValue === "closed") return;
    this.helloValue = hello;
    this.attempt = 0;
    this.reconnectHintMs = 0;
    this.everOpened = true;
    this.typing.reset();
    this.receipts.resetInflight();
    this.setState({ state: "open" });
    this.emit("hello", hello);
    for (const w of this.openWaiters) w.resolve(hello);
    this.openWaiters = [];
    this.startHeartbeat(conn, hello);
    this.scheduleTokenRefresh(conn);
    for (const stream of this.streams.values()) this.startSync(stream);
    void this.restoreOutbox?.then(() => this.pump());
    this.scheduleReceipts();
  }

  private onClosed(conn: Connection, code: number, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.clearConnTimers();
    this.queue.releaseAll(Date.now());
    this.receipts.resetInflight();
    for (const s of this.streams.values()) s.abortSync();
    if (this.stateValue === "closed") return;
    if (code === 4401) this.tokens.invalidate("expired");
    this.scheduleReconnect(code, reason);
  }

  private scheduleReconnect(code: number, reason: string): void {
    if (this.stateValue === "closed") return;
    const planned = reason === "token_refresh";
    const delayMs = planned ? 0 : reconnectDelay(this.attempt, this.opts.backoff, this.opts.random, this.reconnectHintMs);
    if (!planned) this.attempt++;
    this.reconnectHintMs = 0;
    this.setState({ state: this.everOpened ? "reconnecting" : "connecting", code, reason, delayMs, attempt: this.attempt });
    this.later(delayMs, () => void this.openSocket());
  }

  private startHeartbeat(conn: Connection, hello: ServerHello): void {
    const interval = this.opts.pingIntervalMs ?? (hello.heartbeatIntervalMs || 30_000);
    let nonce = 0;
    const timer = setInterval(() => {
      if (Date.now() - conn.lastReceivedAt < interval) return;
      conn.request({ case: "ping", value: { nonce: `p${++nonce}` } }, this.opts.pongTimeoutMs).catch((e: ChatClientError) => {
        // No pong: the path is dead even if TCP has not noticed (a half-open socket).
        if (e.code === "timeout") conn.close(4000, "pong timeout");
      });
    }, Math.max(50, Math.floor(interval / 2)));
    this.connTimers.push(timer);
  }

  // Replaces the token shortly before it expires. There is no re-authentication on an open
  // connection (docs/protocol.md), so the client reconnects with the new token and resumes.
  private scheduleTokenRefresh(conn: Connection): void {
    const at = this.tokens.refreshDueAt();
    if (at === undefined) return;
    const timer = setTimeout(() => {
      if (conn !== this.conn) return;
      this.tokens.invalidate("refresh");
      this.tokens.get().then(
        () => conn.close(4000, "token_refresh"),
        (e) => this.emit("error", new ChatClientError("unauthenticated", `token refresh failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })),
      );
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
    this.connTimers.push(timer);
  }

  // ---- pushed frames ----

  private onPush(frame: ServerFrame): void {
    const k = frame.kind;
    switch (k.case) {
      case "message":
        return this.onLiveMessage(k.value);
      case "receipt":
        return this.emit("receipt", k.value);
      case "presence":
        return this.emit("presence", k.value);
      case "typing":
        return this.emit("typing", k.value);
      case "membership":
        if (k.value.change === MembershipChange.ADDED && !this.streams.has(k.value.chatId) && this.opts.untrackedChats === "sync") this.trackChat(k.value.chatId);
        return this.emit("membership", k.value);
      case "connectionClosing":
        this.reconnectHintMs = k.value.reconnectAfterMs;
        if (k.value.reason === "token_expired") this.tokens.invalidate("expired");
        // Nothing follows but the close: end it here instead of waiting for the handshake.
        this.conn?.close(1000, k.value.reason);
        return;
      case "error":
        return this.emit("error", new ChatClientError(k.value.code as ChatClientError["code"], k.value.message, { retryAfterMs: k.value.retryAfterMs || undefined, details: { frame: k.value.frame } }));
      default:
        return;
    }
  }

  private onLiveMessage(m: Message): void {
    let stream = this.streams.get(m.chatId);
    if (!stream) {
      if (this.opts.untrackedChats !== "sync") return;
      stream = new ChatStream(m.chatId, 0n, { holeTimeoutMs: this.opts.holeTimeoutMs, gapRetryMs: DEFAULT_STREAM_OPTIONS.gapRetryMs });
      this.streams.set(m.chatId, stream);
    }
    this.applyStep(stream, stream.onLive(m, Date.now()));
  }

  // ---- resume ----

  private startSync(stream: ChatStream): void {
    const after = stream.startSync();
    if (after !== undefined) this.syncPage(stream, after, 0);
  }

  private syncPage(stream: ChatStream, afterSeq: bigint, delayMs: number): void {
    const conn = this.conn;
    if (!conn) return;
    const run = () => {
      if (conn !== this.conn || this.streams.get(stream.chatId) !== stream) return stream.abortSync();
      conn.request({ case: "sync", value: { chatId: stream.chatId, afterSeq, limit: this.opts.syncPageSize } }, this.opts.requestTimeoutMs).then(
        (frame) => {
          if (this.streams.get(stream.chatId) !== stream) return;
          if (frame.kind.case === "syncResult") {
            const r = frame.kind.value;
            return this.applyStep(stream, stream.onSyncPage({ messages: r.messages, hasMore: r.hasMore, nextAfterSeq: r.nextAfterSeq }, Date.now()));
          }
          stream.abortSync();
          if (frame.kind.case !== "error") return;
          const err = new ChatClientError(frame.kind.value.code as ChatClientError["code"], `sync of ${stream.chatId}: ${frame.kind.value.message}`, {
            retryAfterMs: frame.kind.value.retryAfterMs || undefined,
            details: { chatId: stream.chatId },
          });
          this.emit("error", err);
          // Not a member (any more), or the chat is gone: stop following it.
          if (err.code === "not_found") return void this.streams.delete(stream.chatId);
          if (!err.permanent) this.later(err.retryAfterMs ?? reconnectDelay(1, this.opts.backoff, this.opts.random), () => conn === this.conn && this.startSync(stream));
        },
        (e: ChatClientError) => {
          stream.abortSync();
          // A timeout on a live connection: try again; a closed connection resyncs on reconnect.
          if (e.code === "timeout" && conn === this.conn) this.startSync(stream);
        },
      );
    };
    if (delayMs > 0) this.later(delayMs, run);
    else run();
  }

  private applyStep(stream: ChatStream, step: StreamStep): void {
    for (const m of step.emit) this.emit("message", m);
    if (step.emit.length > 0 && this.opts.autoMarkDelivered) this.queueReceipt(stream.chatId, "delivered", stream.last);
    if (step.sync) this.syncPage(stream, step.sync.afterSeq, step.sync.delayMs);
    if (step.synced) this.emit("synced", { chatId: stream.chatId, lastSeq: stream.last });
  }

  // ---- outbox ----

  private async loadOutbox(): Promise<void> {
    let restored: OutboxEntry[];
    try {
      restored = await this.storage.load();
    } catch (e) {
      this.emit("error", new ChatClientError("internal", `cannot load the outbox: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      return;
    }
    restored.sort((a, b) => a.createdAt - b.createdAt);
    for (const entry of restored) if (this.queue.add(entry, Date.now())) this.waitForAck(entry).catch(() => undefined);
  }

  private waitForAck(entry: OutboxEntry): Promise<SendAck> {
    const key = outboxKey(entry.chatId, entry.clientMessageId);
    let waiter!: Waiter<SendAck>;
    const promise = new Promise<SendAck>((resolve, reject) => (waiter = { resolve, reject }));
    // close() may reject it before send() has handed it to the caller: not an unhandled rejection.
    promise.catch(() => undefined);
    this.sendWaiters.set(key, { promise, waiter });
    return promise;
  }

  private pump(): void {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    const conn = this.conn;
    if (!conn?.isOpen || this.stateValue !== "open") return;
    const now = Date.now();
    for (const send of this.queue.due(now)) this.transmit(conn, send);
    const next = this.queue.nextDueAt();
    if (next !== undefined && next > now) this.pumpTimer = setTimeout(() => this.pump(), Math.min(MAX_TIMER_MS, next - now));
  }

  private transmit(conn: Connection, send: QueuedSend): void {
    const { chatId, clientMessageId, body, contentType } = send.entry;
    const attempt = conn.request({ case: "sendMessage", value: { chatId, clientMessageId, body, contentType } }, this.opts.requestTimeoutMs);
    this.queue.markSent(send, clientMessageId);
    attempt.then(
      (frame) => {
        if (frame.kind.case === "messageAck") return void this.onAck(frame.kind.value);
        if (frame.kind.case !== "error") return;
        const e = frame.kind.value;
        const now = Date.now();
        const verdict = this.queue.onError(chatId, clientMessageId, e.code, e.retryAfterMs || undefined, now);
        if (verdict.retry) this.emit("sendRetry", { entry: send.entry, code: e.code, delayMs: verdict.notBefore - now });
        else {
          const error = new ChatClientError(e.code as ChatClientError["code"], e.message, { retryAfterMs: e.retryAfterMs || undefined, details: { chatId, clientMessageId } });
          void this.storage.remove(chatId, clientMessageId).catch(() => undefined);
          const w = this.takeSendWaiter(chatId, clientMessageId);
          this.emit("sendFailed", { entry: send.entry, error });
          w?.reject(error);
        }
        this.pump();
      },
      (e: ChatClientError) => {
        // The attempt may have been stored; it is resent with the same id. After a timeout that
        // happens at once; a connection that is going away is left to the next hello (pumping
        // into a closing socket would fail synchronously, over and over).
        this.queue.release(chatId, clientMessageId, Date.now());
        if (e.code === "timeout" && conn === this.conn && conn.isOpen) this.pump();
      },
    );
  }

  private onAck(a: { chatId: string; clientMessageId: string; seq: bigint; messageId: string; createdAt?: { seconds: bigint; nanos: number }; duplicate: boolean }): void {
    this.queue.acknowledge(a.chatId, a.clientMessageId);
    void this.storage.remove(a.chatId, a.clientMessageId).catch((e) => this.emit("error", new ChatClientError("internal", `outbox storage: ${String(e)}`, { cause: e })));
    const ack: SendAck = {
      chatId: a.chatId,
      clientMessageId: a.clientMessageId,
      seq: a.seq,
      messageId: a.messageId,
      createdAt: a.createdAt ? new Date(Number(a.createdAt.seconds) * 1000 + Math.floor(a.createdAt.nanos / 1e6)) : undefined,
      duplicate: a.duplicate,
    };
    this.emit("ack", ack);
    this.takeSendWaiter(a.chatId, a.clientMessageId)?.resolve(ack);
    this.pump();
  }

  private takeSendWaiter(chatId: string, clientMessageId: string): Waiter<SendAck> | undefined {
    const key = outboxKey(chatId, clientMessageId);
    const w = this.sendWaiters.get(key);
    this.sendWaiters.delete(key);
    return w?.waiter;
  }

  // ---- receipts ----

  private mark(chatId: string, kind: ReceiptKind, seqIn: bigint | number | string): Promise<ServerReceipt> {
    if (this.stateValue === "closed") return Promise.reject(new ChatClientError("closed", "client closed"));
    try {
      checkId("chatId", chatId);
      const seq = checkSeq("seq", seqIn);
      return new Promise<ServerReceipt>((resolve, reject) => {
        const list = this.receiptWaiters.get(chatId) ?? [];
        list.push({ kind, seq, resolve, reject });
        this.receiptWaiters.set(chatId, list);
        this.queueReceipt(chatId, kind, seq);
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private queueReceipt(chatId: string, kind: ReceiptKind, seq: bigint): void {
    if (this.receipts.mark(chatId, kind, seq)) this.scheduleReceipts();
  }

  private scheduleReceipts(): void {
    if (this.receiptTimer || this.stateValue !== "open") return;
    this.receiptTimer = setTimeout(() => {
      this.receiptTimer = undefined;
      this.flushReceipts();
    }, this.opts.receiptDelayMs);
  }

  private flushReceipts(): void {
    const conn = this.conn;
    if (!conn || this.stateValue !== "open") return;
    for (const chatId of this.receipts.pendingChats()) {
      const f = this.receipts.take(chatId);
      if (!f) continue;
      const kind = f.kind === "read" ? ({ case: "read", value: { chatId, seq: f.seq } } as const) : ({ case: "ack", value: { chatId, seq: f.seq } } as const);
      conn.request(kind, this.opts.requestTimeoutMs).then(
        (frame) => {
          if (frame.kind.case === "receipt") {
            const r = frame.kind.value;
            this.resolveReceipts(chatId, r);
            if (this.receipts.settle(chatId, { deliveredSeq: r.deliveredSeq, readSeq: r.readSeq })) this.scheduleReceipts();
            return;
          }
          if (frame.kind.case !== "error") return;
          const e = new ChatClientError(frame.kind.value.code as ChatClientError["code"], frame.kind.value.message, { retryAfterMs: frame.kind.value.retryAfterMs || undefined, details: { chatId } });
          if (e.permanent) {
            this.receipts.drop(chatId);
            this.rejectReceipts(chatId, e);
          } else {
            this.receipts.settle(chatId);
            this.later(e.retryAfterMs ?? 1000, () => this.scheduleReceipts());
          }
        },
        () => {
          // Connection lost: resent after the next hello.
          this.receipts.settle(chatId);
        },
      );
    }
  }

  private resolveReceipts(chatId: string, r: ServerReceipt): void {
    const list = this.receiptWaiters.get(chatId);
    if (!list) return;
    const rest = list.filter((w) => {
      const covered = w.kind === "read" ? r.readSeq >= w.seq : r.deliveredSeq >= w.seq;
      if (covered) w.resolve(r);
      return !covered;
    });
    if (rest.length > 0) this.receiptWaiters.set(chatId, rest);
    else this.receiptWaiters.delete(chatId);
  }

  private rejectReceipts(chatId: string, e: ChatClientError): void {
    for (const w of this.receiptWaiters.get(chatId) ?? []) w.reject(e);
    this.receiptWaiters.delete(chatId);
  }

  // ---- helpers ----

  private setState(change: StateChange): void {
    if (this.stateValue === "closed") return;
    this.stateValue = change.state;
    this.emit("state", change);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stateValue !== "closed") fn();
    }, Math.min(MAX_TIMER_MS, ms));
    this.timers.add(t);
  }

  private clearConnTimers(): void {
    for (const t of this.connTimers) clearTimeout(t);
    this.connTimers = [];
  }
}
