import WebSocket from "ws";
import { DisconnectedError, requestWithRetry, sendWithRetry, type Frame, type Requester, type RetryOptions } from "./send-with-retry";

// A client that behaves as an app on a phone does (MISSION sections 2, 4, 5): it reconnects
// with backoff when its connection drops (to the next gateway in its list), honours the
// server's reconnect hint, resyncs every chat from the last seq it holds after each (re)connect
// and whenever a pushed message reveals a gap, dedupes by (chat, seq), and sends with retry under
// the same client_message_id (send-with-retry.ts).
//
// It records how every message first reached it (live push or sync) and, per connection, the
// order of the pushes, so a test can check the delivery guarantees afterwards.

export interface Arrival {
  seq: number;
  at: number;
  via: "live" | "sync";
  messageId: string;
  senderId: string;
  clientMessageId: string;
}

export interface ChatClientOptions {
  user: string;
  // Gateway WebSocket URLs; the first is preferred, the others are failover targets.
  urls: string[];
  token: () => Promise<string>;
  // Chats whose view this client keeps complete.
  chats: string[];
  // Called for every retried request (code: error code, "timeout" or "disconnected").
  onRetry?: (code: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One WebSocket connection: requests matched to answers by request id.
class Connection implements Requester {
  private readonly pending = new Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 0;
  reconnectHintMs = 0;
  authRequestId: string | undefined;
  readonly closed: Promise<void>;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    onPush: (conn: Connection, f: Frame) => void,
  ) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      // ws hands text frames over as a Buffer (binaryType "nodebuffer").
      const f = JSON.parse((data as Buffer).toString()) as Frame;
      if (f.connectionClosing) this.reconnectHintMs = Number(f.connectionClosing.reconnectAfterMs ?? 0);
      // hello answers the auth frame; matched by kind too, in case it carries no reply_to.
      const key = f.replyTo || (f.hello ? this.authRequestId : undefined);
      const waiter = key ? this.pending.get(key) : undefined;
      if (waiter) {
        this.pending.delete(key);
        clearTimeout(waiter.timer);
        waiter.resolve(f);
      } else {
        onPush(this, f);
      }
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", () => {
        for (const w of this.pending.values()) {
          clearTimeout(w.timer);
          w.reject(new DisconnectedError());
        }
        this.pending.clear();
        resolve();
      });
      // The close event follows; an error alone must not crash the process.
      ws.on("error", () => undefined);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  request(frame: Frame, timeoutMs = 10_000): Promise<Frame> {
    if (!this.open) return Promise.reject(new DisconnectedError());
    const requestId = `q${this.id}-${++this.nextId}`;
    if (frame.auth) this.authRequestId = requestId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`request ${requestId} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, requestId }), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new DisconnectedError(err.message));
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

async function openConnection(id: number, url: string, token: string, onPush: (c: Connection, f: Frame) => void, timeoutMs: number): Promise<Connection> {
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
  const conn = new Connection(id, ws, onPush);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("close", () => reject(new DisconnectedError("closed before open")));
  });
  const hello = await conn.request({ auth: { accessToken: token } }, timeoutMs).catch((e) => {
    conn.close();
    throw e;
  });
  // The gateway answers auth with hello (reply_to the auth frame) or an error.
  if (!hello.hello) {
    conn.close();
    throw new Error(`auth refused: ${JSON.stringify(hello)}`);
  }
  return conn;
}

export class ChatClient {
  // chat -> seq -> how it first arrived.
  readonly views = new Map<string, Map<number, Arrival>>();
  // "connection id/chat" -> seqs pushed on that connection, in arrival order.
  readonly pushOrder = new Map<string, number[]>();
  connects = 0;
  private conn: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private urlIndex = 0;
  private stopped = false;
  // Highest seq a completed sync returned, per chat: missing seqs below it are holes.
  private readonly syncedThrough = new Map<string, number>();
  private readonly syncing = new Map<string, Promise<void>>();
  private readonly syncAgain = new Set<string>();

  constructor(readonly opts: ChatClientOptions) {
    for (const c of opts.chats) this.views.set(c, new Map());
  }

  get user(): string {
    return this.opts.user;
  }

  get connected(): boolean {
    return !!this.conn?.open;
  }

  // Connects (first time) and keeps reconnecting until close().
  async start(): Promise<void> {
    await this.current();
  }

  // The live connection, connecting (with backoff, rotating through the gateways) if needed.
  current(): Promise<Connection> {
    if (this.stopped) return Promise.reject(new Error("client closed"));
    if (this.conn?.open) return Promise.resolve(this.conn);
    this.connecting ??= this.reconnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async reconnect(): Promise<Connection> {
    const hint = this.conn?.reconnectHintMs ?? 0;
    if (this.conn) this.urlIndex++; // the gateway we were on may be the one that died
    this.conn = undefined;
    if (hint > 0) await sleep(Math.min(hint, 5000) * (0.5 + Math.random() / 2));
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new Error("client closed");
      const url = this.opts.urls[this.urlIndex % this.opts.urls.length];
      try {
        const conn = await openConnection(++this.connects, url, await this.opts.token(), (c, f) => this.onPush(c, f), 10_000);
        this.conn = conn;
        void conn.closed.then(() => {
          if (!this.stopped && this.conn === conn) void this.current().catch(() => undefined);
        });
        // Sync-on-reconnect: everything after the last seq held, in pages.
        for (const chatId of this.opts.chats) void this.sync(chatId).catch(() => undefined);
        return conn;
      } catch {
        this.opts.onRetry?.("reconnect");
        this.urlIndex++;
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2));
      }
    }
  }

  private onPush(conn: Connection, f: Frame): void {
    const m = f.message;
    if (!m) return;
    const seq = Number(m.seq);
    const key = `${conn.id}/${m.chatId}`;
    const order = this.pushOrder.get(key) ?? [];
    order.push(seq);
    this.pushOrder.set(key, order);
    const view = this.views.get(m.chatId);
    if (!view) return;
    if (!view.has(seq)) view.set(seq, { seq, at: Date.now(), via: "live", messageId: m.messageId, senderId: m.senderId, clientMessageId: m.clientMessageId });
    if (seq > this.known(m.chatId) + 1) void this.sync(m.chatId).catch(() => undefined);
  }

  // Highest seq below which this client has everything (or knows it is a hole).
  known(chatId: string): number {
    const view = this.views.get(chatId)!;
    let n = this.syncedThrough.get(chatId) ?? 0;
    while (view.has(n + 1)) n++;
    return n;
  }

  request(frame: Frame, opts?: RetryOptions): Promise<Frame> {
    return requestWithRetry(() => this.current(), frame, { onRetry: (c) => this.opts.onRetry?.(c), ...opts });
  }

  send(chatId: string, clientMessageId: string, body: string, opts?: RetryOptions): Promise<Frame> {
    return sendWithRetry(() => this.current(), { chatId, clientMessageId, body }, { onRetry: (c) => this.opts.onRetry?.(c), ...opts });
  }

  // Pages through everything after `fromSeq` (default: what this client already holds). One
  // sync per chat at a time; a gap found meanwhile runs one more.
  sync(chatId: string, fromSeq?: number): Promise<void> {
    const running = this.syncing.get(chatId);
    if (running && fromSeq === undefined) {
      this.syncAgain.add(chatId);
      return running;
    }
    const run = (async () => {
      do {
        this.syncAgain.delete(chatId);
        let after = fromSeq ?? this.known(chatId);
        fromSeq = undefined;
        for (;;) {
          const r = await this.request({ sync: { chatId, afterSeq: String(after), limit: 100 } });
          if (!r.syncResult) throw new Error(`sync of ${chatId} failed: ${JSON.stringify(r)}`);
          const view = this.views.get(chatId)!;
          for (const m of r.syncResult.messages ?? []) {
            const seq = Number(m.seq);
            if (!view.has(seq)) view.set(seq, { seq, at: Date.now(), via: "sync", messageId: m.messageId, senderId: m.senderId, clientMessageId: m.clientMessageId });
            this.syncedThrough.set(chatId, Math.max(this.syncedThrough.get(chatId) ?? 0, seq));
          }
          if (!r.syncResult.hasMore) break;
          after = Number(r.syncResult.nextAfterSeq);
        }
      } while (this.syncAgain.has(chatId));
    })().finally(() => {
      if (this.syncing.get(chatId) === run) this.syncing.delete(chatId);
    });
    this.syncing.set(chatId, run);
    return run;
  }

  // Waits for running syncs, then syncs every chat from seq 0: the view "after sync".
  async syncAllFromStart(): Promise<void> {
    await Promise.allSettled([...this.syncing.values()]);
    for (const chatId of this.opts.chats) await this.sync(chatId, 0);
  }

  async close(): Promise<void> {
    this.stopped = true;
    const c = this.conn;
    this.conn = undefined;
    if (c) {
      c.close();
      await c.closed;
    }
  }
}
