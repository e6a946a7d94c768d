import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { create } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/proto";
import { ClientConnection } from "../src/connection/client-connection";
import { SessionState } from "../src/connection/session-state";
import { FLUSH_AT_BYTES, TickCork } from "../src/connection/tick-cork";
import { OutgoingFrame } from "../src/protocol/outgoing-frame";

const rate = { perSecond: 100, burst: 100 };
const limits = {
  outboundBufferMessages: 1000,
  outboundBufferBytes: 4 * 1024 * 1024,
  maxInFlightPerConnection: 32,
  operations: { send: { connection: rate, user: rate }, typing: { connection: rate, user: rate }, receipt: { connection: rate, user: rate }, sync: { connection: rate, user: rate }, ping: { connection: rate, user: rate } },
};

// A real WebSocket pair on loopback; the server side's socket writes are counted.
async function pair(encoding: "json" | "proto" = "json"): Promise<{ conn: ClientConnection; client: WebSocket; received: string[]; frames: { data: Buffer; isBinary: boolean }[]; writes: () => number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer();
  const accepted = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) =>
    server.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket: req.socket }))),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: string[] = [];
  // ws hands text frames over as a Buffer (binaryType "nodebuffer").
  const frames: { data: Buffer; isBinary: boolean }[] = [];
  client.on("message", (d, isBinary) => {
    received.push((d as Buffer).toString());
    frames.push({ data: d as Buffer, isBinary });
  });
  const { ws, socket } = await accepted;
  await new Promise((r) => client.once("open", r));
  let writes = 0;
  // Every trip to the kernel goes through _write (one chunk) or _writev (several).
  const s = socket as Duplex & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const w = s._write.bind(s);
  const wv = s._writev.bind(s);
  s._write = (...a) => (writes++, w(...a));
  s._writev = (...a) => (writes++, wv(...a));
  const state = new SessionState();
  state.startAuth();
  state.registered();
  const conn = new ClientConnection("c1", "alice", ws, encoding, limits, state, () => undefined, socket, new TickCork());
  return {
    conn,
    client,
    received,
    frames,
    writes: () => writes,
    close: async () => {
      client.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    },
  };
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

const message = (seq: number, body = "hi") =>
  new OutgoingFrame(create(ServerFrameSchema, { kind: { case: "message", value: { chatId: "c1", seq: BigInt(seq), senderId: "bob", body } } }));

test("frames written to a connection within one tick leave in one socket write, in order", async () => {
  const p = await pair();
  try {
    for (let seq = 1; seq <= 50; seq++) expect(p.conn.push(message(seq))).toBe(true);
    p.conn.reply(create(ServerFrameSchema, { replyTo: "r1", kind: { case: "pong", value: { nonce: "n" } } }));
    await until(() => p.received.length === 51);
    expect(p.writes()).toBe(1);
    expect(p.received.slice(0, 50).map((f) => JSON.parse(f).message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    expect(JSON.parse(p.received[50])).toMatchObject({ replyTo: "r1", pong: { nonce: "n" } });
    // The next tick's frames are a write of their own.
    p.conn.push(message(51));
    await until(() => p.received.length === 52);
    expect(p.writes()).toBe(2);
  } finally {
    await p.close();
  }
});

test("a burst larger than the flush threshold is written as it grows, not held to the end of the tick", async () => {
  const p = await pair();
  try {
    const body = "x".repeat(16 * 1024);
    const n = Math.ceil((4 * FLUSH_AT_BYTES) / body.length);
    for (let seq = 1; seq <= n; seq++) expect(p.conn.push(message(seq, body))).toBe(true);
    await until(() => p.received.length === n);
    expect(p.writes()).toBeGreaterThanOrEqual(4);
    expect(p.received.map((f) => JSON.parse(f).message.seq)).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
  } finally {
    await p.close();
  }
});

test.each(["json", "proto"] as const)("pushed frames of every WebSocket length form reach the client intact (%s)", async (encoding) => {
  const p = await pair(encoding);
  try {
    // Payload lengths around the 7-bit, 16-bit and 64-bit length forms of the frame header.
    const bodies = ["x", "y".repeat(90), "z".repeat(200), "w".repeat(70_000)];
    const frames = bodies.map((b, i) => message(i + 1, b));
    for (const f of frames) expect(p.conn.push(f)).toBe(true);
    await until(() => p.frames.length === bodies.length);
    p.frames.forEach((got, i) => {
      expect(got.isBinary).toBe(encoding === "proto");
      expect(Buffer.compare(got.data, Buffer.from(frames[i].data(encoding)))).toBe(0);
    });
  } finally {
    await p.close();
  }
});

test("a push to a connection whose WebSocket is closing is refused, and nothing is handed to ws", async () => {
  const p = await pair();
  try {
    p.client.close(1000, "bye");
    // The server side's WebSocket leaves OPEN when the client's close frame arrives.
    let seq = 0;
    await until(() => !p.conn.push(message(++seq)));
    const before = p.writes();
    expect(p.conn.push(message(++seq))).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(p.writes()).toBe(before);
  } finally {
    await p.close();
  }
});
