import WebSocket from "ws";

// Opens a WebSocket and resolves once it is open; rejects on an error or an early close. The
// message handler is attached before the socket opens: a server may send its first frame in
// the same packet as the upgrade response, and ws emits it before an `await` resumes.
export function openSocket(url: string, onMessage: (text: string) => void, timeoutMs = 30_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // No per-message deflate: none of the compared servers is asked to compress.
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on("message", (data: Buffer) => onMessage(data.toString()));
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`connect timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

// Resolves when the socket has closed (or at once if it already has).
export function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once("close", () => resolve());
    ws.close();
    setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000).unref();
  });
}
