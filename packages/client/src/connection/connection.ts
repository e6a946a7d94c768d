import type { ServerFrame } from "@chat/proto";
import { ChatClientError } from "../errors";
import { clientFrame, decodeServerFrame, encodeClientFrame, type ClientFrameKind, type Encoding } from "../protocol/codec";
import { WS_OPEN, type WebSocketLike } from "./websocket";

export interface ConnectionHandlers {
  onOpen(): void;
  // Frames that answer no pending request (pushes, and errors without a known replyTo).
  onFrame(frame: ServerFrame): void;
  // Called once, whether the server, the network or the client ended the connection.
  onClose(code: number, reason: string): void;
  onDecodeError(e: unknown): void;
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(e: ChatClientError): void;
  timer: ReturnType<typeof setTimeout>;
}

// One WebSocket: encodes frames, correlates replies by requestId, and turns every way a socket
// can end into exactly one onClose. Knows nothing about chats.
export class Connection {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private closed = false;
  lastReceivedAt = Date.now();

  constructor(
    private readonly socket: WebSocketLike,
    private readonly encoding: Encoding,
    private readonly handlers: ConnectionHandlers,
    private readonly idPrefix: string,
  ) {
    socket.binaryType = "arraybuffer";
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onclose = (ev) => this.finish(ev.code, ev.reason);
    // An error is always followed by close in both browsers and ws.
    socket.onerror = () => undefined;
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === WS_OPEN;
  }

  // Fire and forget (typing, the auth frame).
  send(kind: ClientFrameKind, requestId = ""): void {
    if (!this.isOpen) throw new ChatClientError("not_connected", "the connection is not open");
    this.socket.send(encodeClientFrame(clientFrame(kind, requestId), this.encoding));
  }

  // Sends a frame and resolves with the frame that answers it (which may be an `error`).
  request(kind: ClientFrameKind, timeoutMs: number): Promise<ServerFrame> {
    const requestId = `${this.idPrefix}${++this.nextId}`;
    return new Promise<ServerFrame>((resolve, reject) => {
      try {
        this.send(kind, requestId);
      } catch (e) {
        reject(e);
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new ChatClientError("timeout", `no answer to ${kind.case} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
  }

  // Ends the connection from the client side. Handlers are detached first and onClose runs at
  // once, so a dead peer (no close handshake possible) cannot delay the reconnect.
  close(code: number, reason: string): void {
    if (this.closed) return;
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
    this.finish(code, reason);
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    this.lastReceivedAt = Date.now();
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data);
    } catch (e) {
      this.handlers.onDecodeError(e);
      return;
    }
    const waiter = frame.replyTo ? this.pending.get(frame.replyTo) : undefined;
    if (waiter) {
      this.pending.delete(frame.replyTo);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
      return;
    }
    this.handlers.onFrame(frame);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.onopen = this.socket.onmessage = this.socket.onclose = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ChatClientError("not_connected", `connection closed (${code}${reason ? ` ${reason}` : ""})`));
    }
    this.pending.clear();
    this.handlers.onClose(code, reason);
  }
}
