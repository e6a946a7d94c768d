import { toBinary, create } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/proto";
import { ChatClient } from "../src/client/chat-client";
import type { WebSocketLike } from "../src/connection/websocket";

// A scripted stand-in for the WebSocket port (the client takes any WebSocketLike): it answers
// auth with hello, then, like a real socket during the server's close handshake, sits in
// CLOSING, where every send fails. Counting readyState reads shows whether the client keeps
// retrying into it; after a bound the fake finishes the close so a buggy client cannot hang
// the test run.
class ClosingSocket implements WebSocketLike {
  readyState = 0;
  protocol = "chat.v1.proto";
  binaryType = "arraybuffer";
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  reads = 0;
  sends = 0;

  constructor() {
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }


  send(): void {
    this.sends++;
    if (this.sends === 1) {
      // The auth frame: answer with hello, then start closing.
      const hello = create(ServerFrameSchema, { replyTo: "1.1", kind: { case: "hello", value: { userId: "alice", connectionId: "c", heartbeatIntervalMs: 30_000 } } });
      setTimeout(() => {
        this.onmessage?.({ data: toBinary(ServerFrameSchema, hello).buffer });
        this.closing();
      }, 0);
    }
  }

  private closing(): void {
    let state = 2;
    Object.defineProperty(this, "readyState", {
      get: () => {
        if (++this.reads === 10_000) {
          state = 3;
          this.onclose?.({ code: 1001, reason: "server_shutdown" });
        }
        return state;
      },
    });
  }

  close(): void {
    // The close handshake is in progress already.
  }
}

test("sends queued while the socket is closing wait for the next connection instead of spinning", async () => {
  const sockets: ClosingSocket[] = [];
  const client = new ChatClient({
    url: "ws://example.invalid/ws/v1",
    encoding: "binary",
    token: async () => "t",
    webSocket: () => {
      const s = new ClosingSocket();
      sockets.push(s);
      return s;
    },
    backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  await client.connect();
  await new Promise((r) => setTimeout(r, 0));
  const sends = [client.send("c1", "one"), client.send("c1", "two"), client.send("c2", "three")];
  for (const p of sends) p.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  expect(sockets[0].reads).toBeLessThan(100);
  expect(client.pendingSends().length).toBe(3);
  await client.close();
});
