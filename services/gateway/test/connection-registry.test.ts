import { createEmbeddedPresence } from "@chat/presence/embedded";
import { ConnectionRegistry } from "../src/connection/connection-registry";

const conn = (id: string, userId: string) => ({ id, userId });

test("a heartbeat re-registers routes that expired while the gateway was stalled, and only for held connections", async () => {
  const presence = createEmbeddedPresence();
  const registry = new ConnectionRegistry(presence, "gw-1", 60_000);
  for (const c of [conn("c1", "alice"), conn("c2", "bob")]) {
    await registry.register(c);
    registry.hold(c);
  }
  // Both routes vanish from presence (what a TTL expiry during a stall looks like).
  await presence.removeConnection({ userId: "alice", gatewayId: "gw-1", connectionId: "c1" });
  await presence.removeConnection({ userId: "bob", gatewayId: "gw-1", connectionId: "c2" });
  // bob's connection closed meanwhile: his route must stay gone.
  await registry.release(conn("c2", "bob"));

  expect(await registry.refreshAll()).toBe(1);
  const live = await presence.connectionsOf(["alice", "bob"]);
  expect(live.get("alice")).toEqual([{ userId: "alice", gatewayId: "gw-1", connectionId: "c1" }]);
  expect(live.has("bob")).toBe(false);
  expect(await registry.refreshAll()).toBe(0);
});

test("a registered but never held connection is not refreshed, and release removes its route", async () => {
  const presence = createEmbeddedPresence();
  const registry = new ConnectionRegistry(presence, "gw-1", 60_000);
  await registry.register(conn("c1", "alice"));
  expect(registry.size).toBe(0);
  expect(await registry.registerAll()).toBe(0);
  expect(await registry.release(conn("c1", "alice"))).toEqual({ wentOffline: true });
  expect((await presence.connectionsOf(["alice"])).size).toBe(0);
});
