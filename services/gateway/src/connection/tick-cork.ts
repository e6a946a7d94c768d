import type { Duplex } from "node:stream";

// Frames written to one socket within a tick leave in one write: the first write of the tick
// corks the socket and one process.nextTick uncorks every socket corked meanwhile, so the frames
// a Deliver batch pushes to a connection (or the replies of one turn) reach the kernel as one
// writev instead of one syscall each. Order is the socket's own write order.
//
// A socket whose corked bytes reach FLUSH_AT_BYTES is uncorked at once (flushIfLarge): corked
// bytes count as not yet handed to the kernel (ws.bufferedAmount, the slow-consumer bound), so
// holding a large burst to the end of the tick could close a client that keeps up.
export const FLUSH_AT_BYTES = 64 * 1024;

export class TickCork {
  private corked: Duplex[] = [];

  // Corks `socket` until the end of the current tick (no-op when it already is).
  cork(socket: Duplex): void {
    if (socket.writableCorked > 0) return;
    socket.cork();
    if (this.corked.push(socket) === 1) process.nextTick(this.flush);
  }

  // Uncorks early once enough is queued; the next cork() of the tick corks it again.
  flushIfLarge(socket: Duplex): void {
    if (socket.writableCorked > 0 && socket.writableLength >= FLUSH_AT_BYTES) socket.uncork();
  }

  private readonly flush = (): void => {
    const sockets = this.corked;
    this.corked = [];
    // uncork() on a socket that is no longer corked (flushed early, destroyed) does nothing.
    for (const s of sockets) s.uncork();
  };
}
