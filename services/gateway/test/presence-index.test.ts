import { createEmbeddedPresence } from "@chat/presence/embedded";
import type { ConnectionRoute, Presence } from "@chat/presence";
import { MembershipChange, type ServerFrame } from "@chat/proto";
import type { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import type { ClientConnection } from "../src/connection/client-connection";
import { createFrameHandlers } from "../src/handlers/frame-handlers";
import type { OutgoingFrame } from "../src/protocol/outgoing-frame";

// Presence announce and snapshot over the per-chat online index (ADR 0025): a connect costs
// work in proportion to the user's chats and online contacts, never to the chats' sizes.
const BIG = 5000;

function setup() {
  const presence = createEmbeddedPresence();
  const looked: string[][] = [];
  const counting: Presence = Object.assign(Object.create(presence) as Presence, {
    connectionsOf: (users: string[]) => (looked.push(users), presence.connectionsOf(users)),
  });
  const chatsOfUser: Record<string, string[]> = {};
  // The big chat has BIG members; listing them is what a connect must not do.
  const store = {
    listMembershipsOfUser: async (userId: string) => ({ items: (chatsOfUser[userId] ?? []).map((chatId) => ({ chatId, userId })) }),
    listMembers: async () => {
      throw new Error("a connect must not list a chat's members");
    },
  } as unknown as Store;
  const routed: Array<{ userIds: string[]; frame: ServerFrame }> = [];
  const router = { route: async (items: Array<{ userIds: string[]; frame: ServerFrame }>) => (routed.push(...items), { gateways: 0, delivered: 0, failedGateways: [] }) } as unknown as FrameRouter;
  const handlers = createFrameHandlers({
    store,
    ingest: undefined as never,
    router,
    presence: counting,
    logger: { info: () => undefined, debug: () => undefined, warn: () => undefined, error: () => undefined } as never,
    limits: { maxBodyBytes: 1000, maxIdLength: 128, syncDefaultLimit: 50, syncMaxLimit: 100, typingRelayIntervalMs: 1000, presenceAnnounceMaxChats: 100 },
  });
  const connect = async (userId: string, chats: string[]) => {
    chatsOfUser[userId] = chats;
    const route: ConnectionRoute = { userId, gatewayId: "gw-1", connectionId: `conn-${userId}` };
    const { cameOnline } = await presence.registerConnection(route, 60_000);
    const replies: ServerFrame[] = [];
    const conn = { userId, push: (f: OutgoingFrame) => replies.push(f.frame) } as unknown as ClientConnection;
    const ids = await handlers.chatsOf(userId);
    if (cameOnline) await handlers.announcePresence(userId, true, ids);
    await handlers.presenceSnapshot(conn, ids);
    return { route, snapshot: () => replies.map((f) => (f.kind.case === "presence" ? f.kind.value.userId : "?")).sort() };
  };
  const disconnect = async (route: ConnectionRoute) => {
    const { wentOffline } = await presence.removeConnection(route);
    if (wentOffline) await handlers.announcePresence(route.userId, false, await handlers.chatsOf(route.userId));
  };
  return { presence, handlers, looked, routed, connect, disconnect };
}

test("a connect in a chat of thousands looks up only the online members, and they learn of it", async () => {
  const t = setup();
  await t.connect("m-1", ["big", "small"]);
  await t.connect("m-2", ["big"]);
  t.looked.length = 0;
  t.routed.length = 0;
  const m3 = await t.connect("m-3", ["big"]);
  expect(m3.snapshot()).toEqual(["m-1", "m-2"]);
  // Routes looked up for the two online members only (the snapshot), not for BIG members.
  expect(Math.max(...t.looked.map((l) => l.length))).toBeLessThanOrEqual(2);
  expect(t.routed).toHaveLength(1);
  expect(t.routed[0].userIds.sort()).toEqual(["m-1", "m-2"]);
  expect(t.routed[0].frame.kind).toMatchObject({ case: "presence", value: { userId: "m-3" } });
  expect(BIG).toBeGreaterThan(t.routed[0].userIds.length);

  await t.disconnect(m3.route);
  expect(t.routed[1].userIds.sort()).toEqual(["m-1", "m-2"]);
  expect(await t.presence.onlineInChats(["big"])).not.toContain("m-3");
});

test("a user whose gateway died (no route, still listed) is not reported online and is pruned from the index", async () => {
  const t = setup();
  await t.presence.addOnlineInChats("ghost", ["big"]);
  const m1 = await t.connect("m-1", ["big"]);
  expect(m1.snapshot()).toEqual([]);
  expect(await t.presence.onlineInChats(["big"])).toEqual(["m-1"]);
});

test("an offline transition that finds the user online again (another gateway) keeps them listed and announces nothing", async () => {
  const t = setup();
  await t.connect("m-1", ["big"]);
  const m2 = await t.connect("m-2", ["big"]);
  // m-2 came online through another gateway while this one handled the last disconnect.
  await t.presence.removeConnection(m2.route);
  await t.presence.registerConnection({ userId: "m-2", gatewayId: "gw-2", connectionId: "other" }, 60_000);
  t.routed.length = 0;
  await t.handlers.announcePresence("m-2", false, ["big"]);
  expect(t.routed).toEqual([]);
  expect((await t.presence.onlineInChats(["big"])).sort()).toEqual(["m-1", "m-2"]);
});

test("an online user added to or removed from a chat is listed in or taken out of its index", async () => {
  const t = setup();
  await t.connect("m-1", ["small"]);
  await t.handlers.ownMembershipChanged("m-1", "big", MembershipChange.ADDED);
  expect(await t.presence.onlineInChats(["big"])).toEqual(["m-1"]);
  await t.handlers.ownMembershipChanged("m-1", "big", MembershipChange.ROLE_CHANGED);
  expect(await t.presence.onlineInChats(["big"])).toEqual(["m-1"]);
  await t.handlers.ownMembershipChanged("m-1", "big", MembershipChange.REMOVED);
  expect(await t.presence.onlineInChats(["big"])).toEqual([]);
});
