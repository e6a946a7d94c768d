import { createEmbeddedPresence } from "@chat/presence/embedded";
import type { ClientConnection } from "../src/connection/client-connection";
import { ConnectionRegistry } from "../src/connection/connection-registry";

const conn = (id: string, userId: string) => ({ id, userId }) as ClientConnection;

test("a heartbeat re-registers routes that expired while the gateway was stalled, and only for held connections", async () => {
  const presence = createEmbeddedPresence();
  const registry = new ConnectionRegistry(presence, "gw-1", 60_000);
  await registry.add(conn("c1", "alice"));
  await registry.add(conn("c2", "bob"));
  // Both routes vanish from presence (what a TTL expiry during a stall looks like).
  await presence.removeConnection({ userId: "alice", gatewayId: "gw-1", connectionId: "c1" });
  await presence.removeConnection({ userId: "bob", gatewayId: "gw-1", connectionId: "c2" });
  // bob's connection closed meanwhile: his route must stay gone.
  await registry.remove(conn("c2", "bob"));

  expect(await registry.refreshAll()).toBe(1);
  const live = await presence.connectionsOf(["alice", "bob"]);
  expect(live.get("alice")).toEqual([{ userId: "alice", gatewayId: "gw-1", connectionId: "c1" }]);
  expect(live.has("bob")).toBe(false);
  expect(await registry.refreshAll()).toBe(0);
});
