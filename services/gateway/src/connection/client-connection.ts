import type { WebSocket } from "ws";
import { ChatError } from "@chat/domain";
import type { ServerFrame } from "@chat/proto";
import type { OutgoingFrame } from "../protocol/outgoing-frame";
import { TokenBucket } from "@chat/domain";
import { encodeServerFrame, serverFrame, type Encoding } from "../protocol/frame-codec";
import { OrderGuard } from "./order-guard";

export interface ConnectionLimits {
  sendsPerSecond: number;
  sendBurst: number;
  outboundBufferMessages: number;
}

// Close codes (4000-4999 are the application's; see docs/protocol.md).
export const CLOSE = {
  goingAway: 1001,
  unauthenticated: 4401,
  authTimeout: 4408,
  slowConsumer: 4429,
  heartbeatTimeout: 4410,
} as const;

// One authenticated WebSocket. Owns its outbound queue accounting (slow-consumer detection),
// its send rate limit and the per-chat order guard for pushed messages.
export class ClientConnection {
  readonly guard = new OrderGuard();
  readonly sendBucket: TokenBucket;
  private queued = 0;
  private closed = false;
  alive = true;
  missedHeartbeats = 0;

  constructor(
    readonly id: string,
    readonly userId: string,
    private readonly ws: WebSocket,
    readonly encoding: Encoding,
    private readonly limits: ConnectionLimits,
  ) {
    this.sendBucket = new TokenBucket(limits.sendsPerSecond, limits.sendBurst, Date.now());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  // Queues a pushed frame. Returns false if the connection is gone or was just closed as too slow.
  push(out: OutgoingFrame): boolean {
    if (this.closed) return false;
    const frame = out.frame;
    if (frame.kind.case === "message" && !this.guard.admit(frame.kind.value.chatId, frame.kind.value.seq)) return true;
    if (this.queued >= this.limits.outboundBufferMessages) {
      this.close(CLOSE.slowConsumer, "slow_consumer", "outbound buffer full; reconnect and sync", 1000);
      return false;
    }
    this.queued++;
    this.ws.send(out.data(this.encoding), () => this.queued--);
    return true;
  }

  reply(frame: ServerFrame): void {
    if (this.closed) return;
    this.ws.send(encodeServerFrame(frame, this.encoding));
  }

  // Sends connection_closing, then closes with `code`.
  close(code: number, reason: string, message: string, reconnectAfterMs: number): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.send(encodeServerFrame(serverFrame({ case: "connectionClosing", value: { reason, message, reconnectAfterMs } }), this.encoding));
    this.ws.close(code, reason);
  }

  markClosed(): void {
    this.closed = true;
  }

  takeSendToken(): void {
    const wait = this.sendBucket.take(Date.now());
    if (wait > 0) throw new ChatError("rate_limited", `more than ${this.limits.sendsPerSecond} sends per second`, { retryAfterMs: wait });
  }

  ping(): void {
    this.ws.ping();
  }
}
