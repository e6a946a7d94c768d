import WebSocket from "ws";

export type Frame = Record<string, any>;

// A WebSocket client as an app would write one: JSON frames in, JSON frames out. Every frame
// received is kept so tests can wait for a condition instead of sleeping.
export class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private listeners: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      // ws hands text frames over as a Buffer (binaryType "nodebuffer").
      if (!isBinary) this.frames.push(JSON.parse((data as Buffer).toString()));
      for (const l of this.listeners) l();
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    // `closed` only ever resolves.
    void this.closed.then(() => this.listeners.forEach((l) => l()));
  }

  // `options` reach ws as they are (e.g. the CA of a wss:// endpoint with a self-signed certificate).
  static async open(url: string, protocols?: string[], options?: WebSocket.ClientOptions): Promise<WsClient> {
    const ws = new WebSocket(url, protocols, options);
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return client;
  }

  // Opens, authenticates with an auth frame and waits for hello.
  static async connect(url: string, token: string, options?: WebSocket.ClientOptions): Promise<WsClient> {
    const c = await WsClient.open(url, undefined, options);
    c.send({ requestId: "auth", auth: { accessToken: token } });
    await c.waitFor((f) => f.hello);
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  // Sends a frame with a fresh requestId and waits for the frame that answers it.
  async request(frame: Frame, timeoutMs = 5000): Promise<Frame> {
    const requestId = `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...frame, requestId });
    return this.waitFor((f) => f.replyTo === requestId, timeoutMs);
  }

  waitFor(pred: (f: Frame) => unknown, timeoutMs = 5000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.frames.find((f) => pred(f));
        if (hit) {
          done();
          resolve(hit);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`connection closed while waiting; frames: ${JSON.stringify(this.frames).slice(0, 500)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms; frames: ${JSON.stringify(this.frames).slice(0, 800)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  // Waits until `n` message frames of a chat have arrived, and returns them in arrival order.
  async messages(chatId: string, n: number, timeoutMs = 5000): Promise<Frame[]> {
    await this.waitFor(() => this.frames.filter((f) => f.message?.chatId === chatId).length >= n, timeoutMs);
    return this.frames.filter((f) => f.message?.chatId === chatId).map((f) => f.message);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
