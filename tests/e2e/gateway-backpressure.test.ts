import { startHarness, type Harness } from "./support/all-in-one-harness";
import { until } from "./support/until";
import type { WsClient } from "./support/ws-client";

// Issue 10 item 1: every frame the server writes counts against the outbound bound, in bytes as
// well as messages. Replies used to bypass it: 300 syncs from a client that does not read took
// the server from 329 MiB to 2 GiB without a slow_consumer close.
const BUFFER_BYTES = 256 * 1024;
let h: Harness;
let chatId: string;
beforeAll(async () => {
  h = await startHarness({
    CHAT_OUTBOUND_BUFFER_BYTES: String(BUFFER_BYTES),
    // Only the buffer bound is under test here: the rate limits are out of the way.
    CHAT_SYNC_RATE: "10000:10000",
    CHAT_USER_SYNC_RATE: "10000:10000",
    CHAT_SENDS_PER_SECOND: "10000",
    CHAT_SEND_BURST: "10000",
    CHAT_USER_SENDS_PER_SECOND: "10000",
    CHAT_USER_SEND_BURST: "10000",
  });
  chatId = await h.createGroup("alice", ["mallory"]);
  // 100 messages of 30 kB: every full sync page is about 3 MB.
  const alice = await h.connect("alice");
  for (let batch = 0; batch < 5; batch++) {
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => alice.request({ sendMessage: { chatId, clientMessageId: `big-${batch}-${i}`, body: "x".repeat(30_000) } }, 20_000)),
    );
    expect(acks.every((a) => a.messageAck)).toBe(true);
  }
  await alice.close();
});
afterAll(async () => {
  await h.stop();
});

const socketOf = (c: WsClient) => (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;

test("a client that sends hundreds of syncs and never reads is closed as slow_consumer (4429), not buffered", async () => {
  const mallory = await h.connect("mallory");
  const held = h.app.gateway.connections();
  // Stop reading: the kernel buffers fill, then the server's.
  socketOf(mallory).pause();
  for (let i = 0; i < 300; i++) mallory.send({ requestId: `s${i}`, sync: { chatId, afterSeq: "0", limit: 100 } });
  // The server lets go of the connection on its own while the client still reads nothing.
  await until(() => h.app.gateway.connections() < held, 30_000, "the gateway to drop the slow consumer");

  socketOf(mallory).resume();
  const closed = await mallory.closed;
  expect(closed.code).toBe(4429);
  expect(mallory.frames.find((f) => f.connectionClosing)?.connectionClosing).toMatchObject({ reason: "slow_consumer", reconnectAfterMs: 1000 });
  // Far fewer than the 300 pages (~900 MB) were ever queued for it.
  const pages = mallory.frames.filter((f) => f.syncResult).length;
  expect(pages).toBeLessThan(300);
});

test("a client that keeps reading gets even a page larger than the byte bound", async () => {
  const reader = await h.connect("mallory");
  const page = await reader.request({ sync: { chatId, afterSeq: "0", limit: 100 } }, 20_000);
  expect(page.syncResult.messages).toHaveLength(100);
  // Pipelined syncs from a client that reads are all answered.
  const pages = await Promise.all(Array.from({ length: 10 }, () => reader.request({ sync: { chatId, afterSeq: "90", limit: 10 } }, 20_000)));
  expect(pages.every((p) => p.syncResult?.messages.length === 10)).toBe(true);
  await reader.close();
});
