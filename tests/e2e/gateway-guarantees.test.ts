import WebSocket from "ws";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import type { Frame } from "./support/ws-client";
import { until } from "./support/until";
import { WsClient } from "./support/ws-client";

// Guarantees of MISSION/ADR-009 that no test noticed breaking before (issue 10): the `hello`
// fields, the heartbeat close after missed pongs, presence with several devices.
// Short, but long enough that a busy machine does not miss two pongs of a live client.
const HEARTBEAT_MS = 500;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ CHAT_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) });
});
afterAll(async () => {
  await h.stop();
});

test("hello carries the connection id, the user id, the heartbeat interval and every effective limit", async () => {
  const before = Date.now();
  const c = await h.connect("alice");
  const hello = c.frames[0];
  expect(hello.replyTo).toBe("auth");
  expect(hello.hello).toEqual({
    connectionId: expect.stringMatching(/^conn_[0-9a-f]{32}$/),
    userId: "alice",
    heartbeatIntervalMs: HEARTBEAT_MS,
    protocol: "v1",
    serverTime: expect.any(String),
    limits: {
      maxBodyBytes: 65536,
      maxFrameBytes: 131072,
      sendsPerSecond: 10,
      sendBurst: 20,
      outboundBufferMessages: 1000,
      outboundBufferBytes: 4 * 1024 * 1024,
      syncMaxLimit: 100,
      maxInFlightRequests: 32,
      typing: { perSecond: 2, burst: 5 },
      receipts: { perSecond: 10, burst: 30 },
      sync: { perSecond: 10, burst: 30 },
      ping: { perSecond: 5, burst: 20 },
      typingRelayIntervalMs: 1000,
    },
  });
  const serverTime = Date.parse(hello.hello.serverTime);
  expect(serverTime).toBeGreaterThanOrEqual(before - 1000);
  expect(serverTime).toBeLessThanOrEqual(Date.now() + 1000);
  // Each connection has its own id.
  const again = await h.connect("alice");
  expect(again.frames[0].hello.connectionId).not.toBe(hello.hello.connectionId);
  await c.close();
  await again.close();
});

test("a client that answers no pings is closed after two missed heartbeats (4410, heartbeat_timeout)", async () => {
  // autoPong off: the ws library would otherwise answer the server's pings by itself.
  const ws = new WebSocket(h.wsUrl, { autoPong: false });
  const frames: Frame[] = [];
  // ws hands text frames over as a Buffer (binaryType "nodebuffer").
  ws.on("message", (d) => frames.push(JSON.parse((d as Buffer).toString())));
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise((r) => ws.once("open", r));
  ws.send(JSON.stringify({ requestId: "auth", auth: { accessToken: await h.token("silent") } }));
  const opened = Date.now();
  expect(await closed).toBe(4410);
  expect(frames.map((f) => Object.keys(f).find((k) => k !== "replyTo"))).toEqual(["hello", "connectionClosing"]);
  expect(frames[1].connectionClosing).toMatchObject({ reason: "heartbeat_timeout" });
  // Not before two intervals went by without a pong.
  expect(Date.now() - opened).toBeGreaterThanOrEqual(2 * HEARTBEAT_MS - 50);
});

test("a client that answers pings stays connected across many heartbeats", async () => {
  const c = await h.connect("lively");
  let pings = 0;
  c.ws.on("ping", () => pings++);
  await until(() => pings >= 4, 10_000, "4 heartbeats");
  expect((await c.request({ ping: { nonce: "still" } })).pong.nonce).toBe("still");
  await c.close();
});

test("presence: online once for a user's first device, offline only after the last leaves", async () => {
  await h.createGroup("watcher", ["multi", "barrier"]);
  const watcher = await WsClient.connect(h.wsUrl, await h.token("watcher"));
  const about = (user: string) => watcher.frames.filter((f) => f.presence?.userId === user).map((f) => f.presence.status);

  const phone = await h.connect("multi");
  await watcher.waitFor(() => about("multi").length === 1);
  expect(about("multi")).toEqual(["PRESENCE_STATUS_ONLINE"]);

  const laptop = await h.connect("multi");
  const held = h.app.gateway.connections();
  await phone.close();
  // The server released the phone's route; an announcement of it would come before the barrier's.
  await until(() => h.app.gateway.connections() < held, 10_000, "the phone's route to be released");
  const barrier = await h.connect("barrier");
  await watcher.waitFor(() => about("barrier").length === 1);
  expect(about("multi")).toEqual(["PRESENCE_STATUS_ONLINE"]);

  await laptop.close();
  await watcher.waitFor(() => about("multi").length === 2);
  expect(about("multi")).toEqual(["PRESENCE_STATUS_ONLINE", "PRESENCE_STATUS_OFFLINE"]);
  await barrier.close();
  await watcher.close();
});

test("presence snapshot: after hello a connection is told which of its contacts are online now, and no one else", async () => {
  await h.createGroup("snap-a", ["snap-online", "snap-offline"]);
  await h.createGroup("snap-stranger", ["snap-stranger-friend"]);
  const online = await h.connect("snap-online");
  const stranger = await h.connect("snap-stranger");
  const a = await h.connect("snap-a");
  await a.waitFor((f) => f.presence?.userId === "snap-online");
  // The snapshot's frames are written together: with the first one here, all of them are.
  const told = a.frames.filter((f) => f.presence).map((f) => f.presence);
  expect(told).toEqual([{ userId: "snap-online", status: "PRESENCE_STATUS_ONLINE" }]);
  await a.close();
  await online.close();
  await stranger.close();
});
