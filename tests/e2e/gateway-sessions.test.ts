import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { GatewayDeliveryService } from "@chat/proto";
import { serviceCredentialClient } from "@chat/rpc";
import { FaultyPresence } from "./support/faulty-presence";
import { until } from "./support/until";
import { SECRET, startGatewayHarness, type GatewayHarness } from "./support/gateway-harness";
import { WsClient } from "./support/ws-client";

// Issue 10 items 4 (ghost connections), 6 (Deliver refuses frames without a kind) and 9
// (heartbeats never overlap when presence stalls), on one gateway with a faulty presence.
let h: GatewayHarness;
let presence: FaultyPresence;
beforeAll(async () => {
  presence = new FaultyPresence();
  h = await startGatewayHarness({ presence, overrides: { CHAT_HEARTBEAT_INTERVAL_MS: "200" } });
});
afterAll(async () => {
  presence.stall = undefined;
  await h.stop();
});

const routesOf = async (user: string) => (await presence.inner.connectionsOf([user])).get(user) ?? [];
const heartbeats = async (n: number) => {
  const target = presence.calls.refresh + n;
  await until(() => presence.calls.refresh >= target, 10_000, `${n} presence refreshes`);
};

describe("ghost connections", () => {
  test("a presence failure during connect closes the socket (1013, unavailable) and leaves nothing for heartbeats to revive", async () => {
    presence.failRegisterFor.add("ghost");
    const c = await WsClient.open(h.wsUrl);
    c.send({ requestId: "auth", auth: { accessToken: await h.token("ghost") } });
    expect((await c.closed).code).toBe(1013);
    expect(c.frames[0].error).toMatchObject({ code: "unavailable", frame: "auth", cause: "presence_unavailable" });
    expect(c.frames.some((f) => f.hello)).toBe(false);
    // Heartbeats run on: the route that the failed call did write is gone and stays gone.
    await heartbeats(3);
    expect(await routesOf("ghost")).toEqual([]);
    expect(h.gateway.connections()).toBe(0);
  });

  test("a close during registration announces nothing and leaves no route", async () => {
    const chatId = await h.createGroup(["late", "watcher", "third"]);
    const watcher = await h.connect("watcher");
    let release!: () => void;
    presence.holdRegisterFor.set("late", new Promise<void>((r) => (release = r)));
    const c = await WsClient.open(h.wsUrl);
    c.send({ requestId: "auth", auth: { accessToken: await h.token("late") } });
    await until(() => presence.calls.register.includes("late"), 10_000, "late's registration to start");
    await c.close();
    release();
    await until(() => presence.calls.remove.includes("late"), 10_000, "late's route to be removed");
    expect(await routesOf("late")).toEqual([]);
    await heartbeats(3);
    expect(await routesOf("late")).toEqual([]);
    // A later announcement to the watcher: late's, had there been one, came before it.
    const third = await h.connect("third");
    await watcher.waitFor((f) => f.presence?.userId === "third");
    expect(watcher.frames.filter((f) => f.presence?.userId === "late")).toEqual([]);
    expect(h.gateway.connections()).toBe(2);
    void chatId;
    await third.close();
    await watcher.close();
  });
});

describe("Deliver", () => {
  const deliver = () => createClient(GatewayDeliveryService, createGrpcTransport({ baseUrl: h.gateway.grpcAddress.includes("://") ? h.gateway.grpcAddress : `http://${h.gateway.grpcAddress}`, interceptors: [serviceCredentialClient(SECRET)] }));

  test("a frame without a kind ({}), or no frame, is invalid_argument and nothing of the request is pushed", async () => {
    const c = await h.connect("target");
    const connectionId = c.frames[0].hello.connectionId;
    const typing = { kind: { case: "typing" as const, value: { chatId: "c1", userId: "x", active: true } } };
    for (const deliveries of [
      [{ connectionIds: [connectionId], frame: {} }],
      [{ connectionIds: [connectionId] }],
      [
        { connectionIds: [connectionId], frame: typing },
        { connectionIds: [connectionId], frame: {} },
      ],
    ]) {
      const code = await deliver()
        .deliver({ deliveries })
        .then(
          () => "ok",
          (e) => Code[ConnectError.from(e).code],
        );
      expect(code).toBe(Code[Code.InvalidArgument]);
    }
    // A valid request goes through; the refused ones pushed nothing before it.
    const res = await deliver().deliver({ deliveries: [{ connectionIds: [connectionId], frame: { kind: { case: "typing", value: { chatId: "c2", userId: "y", active: true } } } }] });
    expect(res.delivered).toBe(1);
    await c.waitFor((f) => f.typing?.chatId === "c2");
    expect(c.frames.slice(1)).toEqual([{ typing: { chatId: "c2", userId: "y", active: true } }]);
    await c.close();
  });
});

describe("heartbeats", () => {
  test("while presence stalls, heartbeat ticks do not stack refreshes on it", async () => {
    const c = await h.connect("pinger");
    let pings = 0;
    c.ws.on("ping", () => pings++);
    let unstall!: () => void;
    presence.stall = new Promise<void>((r) => (unstall = r));
    const before = presence.calls.refresh;
    // Ticks go on (the protocol pings prove it) while one refresh hangs.
    await until(() => pings >= 8, 10_000, "8 heartbeat ticks");
    expect(presence.calls.refresh - before).toBeLessThanOrEqual(1);
    // Readiness answers (not ready) instead of hanging on the stalled presence.
    const ready = await fetch(`${h.httpUrl}/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { presence: "timeout" } });
    presence.stall = undefined;
    unstall();
    await heartbeats(2);
    await c.close();
  });
});

