import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import type { MembershipChange, ServerFrame } from "@chat/proto";
import { OutgoingFrame } from "../protocol/outgoing-frame";
import { encodeServerFrame, serverFrame, type Encoding } from "../protocol/frame-codec";
import { ConnectionOperationLimiter, type Operation, type OperationLimits } from "../limits/operation-limits";
import { OrderGuard } from "./order-guard";
import type { SessionState } from "./session-state";
import type { TickCork } from "./tick-cork";

export interface ConnectionLimits {
  outboundBufferMessages: number;
  outboundBufferBytes: number;
  maxInFlightPerConnection: number;
  operations: OperationLimits;
}

// Close codes (4000-4999 are the application's; see docs/protocol.md).
export const CLOSE = {
  goingAway: 1001,
  // A dependency needed to open the session (presence) failed: retry later.
  tryAgainLater: 1013,
  unauthenticated: 4401,
  authTimeout: 4408,
  slowConsumer: 4429,
  heartbeatTimeout: 4410,
} as const;

// One authenticated WebSocket. Every frame written to it, pushed or a reply, goes through
// write(), which enforces the outbound bounds (messages and bytes not yet handed to the kernel):
// a client that stops reading is closed as a slow consumer instead of growing the heap.
export class ClientConnection {
  // Both made on first use: an idle connection has pushed no message and taken no token.
  private orderGuard?: OrderGuard;
  private ops?: ConnectionOperationLimiter;
  private queued = 0;
  private inFlight = 0;
  private paused = false;
  // The write callback of pushed frames, made at the first push (an idle connection has none).
  private onWritten?: () => void;
  alive = true;
  missedHeartbeats = 0;
  // Told when a membership frame about this connection's own user goes out (the gateway keeps
  // the per-chat online index current); one function shared by all connections.
  onOwnMembership?: (userId: string, chatId: string, change: MembershipChange) => void;

  constructor(
    readonly id: string,
    readonly userId: string,
    private readonly ws: WebSocket,
    readonly encoding: Encoding,
    private readonly limits: ConnectionLimits,
    private readonly state: SessionState,
    // Releases the route as soon as the server decides to close: a closing connection takes no
    // more pushes, and the close handshake of a client that does not read can take long.
    private readonly onClosing: () => void = () => undefined,
    // The WebSocket's TCP socket (the upgrade request's) and the gateway's per-tick cork: frames
    // written within one tick leave in one socket write.
    private readonly socket?: Duplex,
    private readonly cork?: TickCork,
  ) {}

  get guard(): OrderGuard {
    return (this.orderGuard ??= new OrderGuard());
  }

  get isOpen(): boolean {
    return this.state.isOpen;
  }

  // Queues a pushed frame. Returns false if the connection is gone or was just closed as too slow.
  push(out: OutgoingFrame): boolean {
    if (!this.isOpen) return false;
    const frame = out.frame;
    if (frame.kind.case === "message" && !this.guard.admit(frame.kind.value.chatId, frame.kind.value.seq)) return true;
    if (frame.kind.case === "membership" && frame.kind.value.userId === this.userId) this.onOwnMembership?.(this.userId, frame.kind.value.chatId, frame.kind.value.change);
    return this.write(out, out.wire(this.encoding));
  }

  reply(frame: ServerFrame): void {
    if (this.isOpen) this.write(encodeServerFrame(frame, this.encoding));
  }

  // Sends connection_closing, then closes with `code` (once; later calls do nothing).
  close(code: number, reason: string, message: string, reconnectAfterMs: number): void {
    if (!this.state.beginClose()) return;
    this.onClosing();
    this.ws.send(encodeServerFrame(serverFrame({ case: "connectionClosing", value: { reason, message, reconnectAfterMs } }), this.encoding));
    this.ws.close(code, reason);
  }

  // Throws rate_limited when the connection's budget for this operation is spent.
  takeToken(op: Operation): void {
    // A fresh limiter starts with full buckets, as one made at connect time would after idling.
    (this.ops ??= new ConnectionOperationLimiter(this.limits.operations, Date.now())).take(op, Date.now());
  }

  // The access token expired (ExpirySweep).
  expire(): void {
    this.close(CLOSE.unauthenticated, "token_expired", "access token expired; reconnect with a new token", 0);
  }

  // Bounds the client frames handled at once. At the bound the socket stops being read, so a
  // client that pipelines is slowed by TCP instead of answered with errors; frames ws had already
  // read still arrive, and past twice the bound they are refused (false).
  beginRequest(): boolean {
    if (this.inFlight >= 2 * this.limits.maxInFlightPerConnection) return false;
    if (++this.inFlight >= this.limits.maxInFlightPerConnection && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    return true;
  }

  endRequest(): void {
    if (--this.inFlight < this.limits.maxInFlightPerConnection && this.paused) {
      this.paused = false;
      this.ws.resume();
    }
  }

  ping(): void {
    this.ws.ping();
  }

  // JSON goes out as a text frame, whether a string (a reply) or the UTF-8 bytes a pushed frame
  // was encoded to once for all its connections. A pushed frame (`wire`: its WebSocket bytes,
  // built once) goes straight to the socket while the WebSocket is open: ws adds no state to a
  // frame without permessage-deflate, and its own writes (pings, close) go to the same socket in
  // call order.
  private write(data: string | Uint8Array | OutgoingFrame, wire?: Buffer): boolean {
    // Closing (the client's close frame arrived, or ours went out): ws would only make an error
    // per frame for its callback.
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    const size = wire ? wire.byteLength : typeof data === "string" ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
    // bufferedAmount: bytes accepted by ws but not yet written to the kernel. A frame larger than
    // the byte bound still goes out when nothing is waiting, so one big sync page cannot close a
    // client that keeps up.
    const buffered = this.ws.bufferedAmount;
    if (this.queued >= this.limits.outboundBufferMessages || (buffered > 0 && buffered + size > this.limits.outboundBufferBytes)) {
      this.close(CLOSE.slowConsumer, "slow_consumer", "outbound buffer full; reconnect and sync", 1000);
      return false;
    }
    this.queued++;
    if (this.socket && this.cork) this.cork.cork(this.socket);
    if (wire && this.socket) {
      this.socket.write(wire, (this.onWritten ??= () => void this.queued--));
    } else {
      const payload = data instanceof OutgoingFrame ? data.data(this.encoding) : data;
      this.ws.send(payload, { binary: this.encoding === "proto" }, () => this.queued--);
    }
    if (this.socket && this.cork) this.cork.flushIfLarge(this.socket);
    return true;
  }
}
