import type { Presence } from "../port";
import { eventually, route, sorted, uniqueId } from "./helpers";

export interface PresenceUnderTest {
  presence: Presence;
  cleanup(): Promise<void>;
}

// Long enough never to expire during a test; SHORT_TTL_MS is for the routes meant to expire.
const LONG_TTL_MS = 60_000;
const SHORT_TTL_MS = 150;

// The behaviour every Presence adapter must show (see the contract in ../port.ts). Each adapter
// runs this suite unchanged, the embedded one in unit tests and Redis in integration tests.
export function describePresenceContract(name: string, factory: () => Promise<PresenceUnderTest>): void {
  describe(`Presence contract: ${name}`, () => {
    let underTest: PresenceUnderTest | undefined;
    const presence = (): Presence => underTest!.presence;

    beforeEach(async () => {
      underTest = await factory();
    });

    afterEach(async () => {
      try {
        await underTest?.presence.close();
      } finally {
        await underTest?.cleanup();
        underTest = undefined;
      }
    });

    const isOnline = async (userId: string): Promise<boolean> => (await presence().connectionsOf([userId])).has(userId);

    describe("online transitions", () => {
      test("the first connection brings a user online, further ones do not", async () => {
        const user = uniqueId("user");
        expect(await presence().registerConnection(route(user, "gw-1", "c1"), LONG_TTL_MS)).toEqual({ cameOnline: true });
        expect(await presence().registerConnection(route(user, "gw-2", "c2"), LONG_TTL_MS)).toEqual({ cameOnline: false });
      });

      test("registering the same route again changes nothing", async () => {
        const user = uniqueId("user");
        const r = route(user, "gw-1", "c1");
        await presence().registerConnection(r, LONG_TTL_MS);
        expect(await presence().registerConnection(r, LONG_TTL_MS)).toEqual({ cameOnline: false });
        expect((await presence().connectionsOf([user])).get(user)).toEqual([r]);
      });

      test("removing one of two connections keeps the user online; removing the last takes them offline", async () => {
        const user = uniqueId("user");
        const first = route(user, "gw-1", "c1");
        const second = route(user, "gw-1", "c2");
        await presence().registerConnection(first, LONG_TTL_MS);
        await presence().registerConnection(second, LONG_TTL_MS);
        expect(await presence().removeConnection(first)).toEqual({ wentOffline: false });
        expect(await isOnline(user)).toBe(true);
        expect(await presence().removeConnection(second)).toEqual({ wentOffline: true });
        expect(await isOnline(user)).toBe(false);
        expect(await presence().registerConnection(first, LONG_TTL_MS)).toEqual({ cameOnline: true });
      });

      test("removing an unknown route reports no change", async () => {
        const stranger = uniqueId("user");
        expect(await presence().removeConnection(route(stranger, "gw-1", "c1"))).toEqual({ wentOffline: false });
        const user = uniqueId("user");
        await presence().registerConnection(route(user, "gw-1", "c1"), LONG_TTL_MS);
        expect(await presence().removeConnection(route(user, "gw-1", "other"))).toEqual({ wentOffline: false });
        expect(await presence().removeConnection(route(user, "gw-2", "c1"))).toEqual({ wentOffline: false });
        expect(await isOnline(user)).toBe(true);
      });

      test("parallel registrations for one user come online exactly once", async () => {
        const user = uniqueId("user");
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => presence().registerConnection(route(user, `gw-${i % 3}`, `c${i}`), LONG_TTL_MS)),
        );
        expect(results.filter((r) => r.cameOnline)).toHaveLength(1);
        expect((await presence().connectionsOf([user])).get(user)).toHaveLength(20);
      });

      test("parallel removals of all of a user's connections go offline exactly once", async () => {
        const user = uniqueId("user");
        const routes = Array.from({ length: 20 }, (_, i) => route(user, "gw-1", `c${i}`));
        for (const r of routes) await presence().registerConnection(r, LONG_TTL_MS);
        const results = await Promise.all(routes.map((r) => presence().removeConnection(r)));
        expect(results.filter((r) => r.wentOffline)).toHaveLength(1);
        expect(await isOnline(user)).toBe(false);
      });
    });

    describe("connectionsOf", () => {
      test("returns exactly the live routes of each user and omits users with none", async () => {
        const [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map(uniqueId);
        const aliceRoutes = [route(alice, "gw:1@eu", "conn:a1"), route(alice, "gw:2@us", "conn:a2")];
        const bobRoute = route(bob, "gw:1@eu", "conn:b1");
        for (const r of [...aliceRoutes, bobRoute, route(dave, "gw:1@eu", "conn:d1")]) await presence().registerConnection(r, LONG_TTL_MS);
        await presence().removeConnection(route(dave, "gw:1@eu", "conn:d1"));

        const found = await presence().connectionsOf([alice, bob, carol, dave]);
        expect([...found.keys()].sort()).toEqual([alice, bob].sort());
        expect(sorted(found.get(alice))).toEqual(sorted(aliceRoutes));
        expect(found.get(bob)).toEqual([bobRoute]);
      });

      test("of no users is empty", async () => {
        expect((await presence().connectionsOf([])).size).toBe(0);
      });

      test("a user named twice is answered once", async () => {
        const alice = uniqueId("alice");
        const r = route(alice, "gw:1@eu", "conn:a1");
        await presence().registerConnection(r, LONG_TTL_MS);
        const found = await presence().connectionsOf([alice, alice, alice]);
        expect([...found.keys()]).toEqual([alice]);
        expect(found.get(alice)).toEqual([r]);
      });

      // The fanout asks for every member of a batch's chats at once (a 10,000-member chat's
      // members in one call): one round trip however many users, the offline ones omitted.
      test("answers for 2,000 users in one call, live ones only", async () => {
        const users = Array.from({ length: 2000 }, (_, i) => uniqueId(`many${i}`));
        const online = users.filter((_, i) => i % 3 === 0);
        await Promise.all(online.map((u, i) => presence().registerConnection(route(u, `gw:${i % 4}`, `conn:${i}`), LONG_TTL_MS)));
        const expiring = users[1];
        await presence().registerConnection(route(expiring, "gw:0", "conn:x"), SHORT_TTL_MS);
        await eventually("the short route expired", async () => !(await presence().connectionsOf([expiring])).has(expiring));
        const found = await presence().connectionsOf(users);
        expect(found.size).toBe(online.length);
        online.forEach((u, i) => expect(found.get(u)).toEqual([route(u, `gw:${i % 4}`, `conn:${i}`)]));
      });
    });

    describe("connectionsAmong", () => {
      // A chat's members as a set, far more of them than online users (the embedded adapter
      // then walks the online users) and far fewer (it walks the set): the same exact answer.
      test("returns the live routes of the set's online users, whichever side is larger", async () => {
        const members = Array.from({ length: 3000 }, (_, i) => uniqueId(`among${i}`));
        const online = members.filter((_, i) => i % 700 === 0);
        const outsider = uniqueId("outsider");
        await Promise.all([...online, outsider].map((u, i) => presence().registerConnection(route(u, `gw:${i % 2}`, `conn:${i}`), LONG_TTL_MS)));
        const expiring = members[1];
        await presence().registerConnection(route(expiring, "gw:0", "conn:x"), SHORT_TTL_MS);
        const gone = members[2];
        await presence().registerConnection(route(gone, "gw:0", "conn:g"), LONG_TTL_MS);
        await presence().removeConnection(route(gone, "gw:0", "conn:g"));
        await eventually("the short route expired", async () => !(await presence().connectionsOf([expiring])).has(expiring));

        const found = await presence().connectionsAmong(new Set(members));
        expect([...found.keys()].sort()).toEqual([...online].sort());
        online.forEach((u, i) => expect(found.get(u)).toEqual([route(u, `gw:${i % 2}`, `conn:${i}`)]));
        const few = await presence().connectionsAmong(new Set([online[1], expiring, outsider]));
        expect([...few.keys()].sort()).toEqual([online[1], outsider].sort());
        expect((await presence().connectionsAmong(new Set())).size).toBe(0);
      });

      // The Redis adapter walks a set of users online that removals and expiry leave behind
      // conditionally: a user who leaves and comes back, or whose route expired and who
      // registers again, must be found again.
      test("finds a user who went offline and came back, and one registered again after their route expired", async () => {
        const members = new Set(Array.from({ length: 3000 }, (_, i) => uniqueId(`back${i}`)));
        const [alice, bob] = [...members];
        await presence().registerConnection(route(alice, "gw:1", "conn:a1"), LONG_TTL_MS);
        await presence().removeConnection(route(alice, "gw:1", "conn:a1"));
        expect((await presence().connectionsAmong(members)).has(alice)).toBe(false);
        await presence().registerConnection(route(alice, "gw:1", "conn:a2"), LONG_TTL_MS);
        expect((await presence().connectionsAmong(members)).get(alice)).toEqual([route(alice, "gw:1", "conn:a2")]);

        await presence().registerConnection(route(bob, "gw:1", "conn:b1"), SHORT_TTL_MS);
        await eventually("bob's route expired", async () => !(await presence().connectionsAmong(members)).has(bob));
        await presence().registerConnection(route(bob, "gw:2", "conn:b2"), LONG_TTL_MS);
        expect((await presence().connectionsAmong(members)).get(bob)).toEqual([route(bob, "gw:2", "conn:b2")]);
        expect([...(await presence().connectionsAmong(members)).keys()].sort()).toEqual([alice, bob].sort());
      });
    });

    describe("expiry", () => {
      test("a route expires after its ttl while others of the same user stay", async () => {
        const user = uniqueId("user");
        const lasting = route(user, "gw-1", "lasting");
        await presence().registerConnection(lasting, LONG_TTL_MS);
        await presence().registerConnection(route(user, "gw-1", "short"), SHORT_TTL_MS);
        await eventually("the short-lived route expired", async () => (await presence().connectionsOf([user])).get(user)?.length === 1);
        expect((await presence().connectionsOf([user])).get(user)).toEqual([lasting]);
      });

      test("a user whose only route expired is offline, and their next registration comes online", async () => {
        const user = uniqueId("user");
        await presence().registerConnection(route(user, "gw-1", "c1"), SHORT_TTL_MS);
        await eventually("the route expired", async () => !(await isOnline(user)));
        expect(await presence().registerConnection(route(user, "gw-1", "c2"), LONG_TTL_MS)).toEqual({ cameOnline: true });
      });

      test("refreshConnections keeps routes of several users alive past their original ttl", async () => {
        const [alice, bob, clock] = ["alice", "bob", "clock"].map(uniqueId);
        const routes = [route(alice, "gw-1", "a1"), route(alice, "gw-1", "a2"), route(bob, "gw-1", "b1")];
        const originalTtl = 400;
        for (const r of routes) await presence().registerConnection(r, originalTtl);
        expect(await presence().refreshConnections(routes, LONG_TTL_MS)).toEqual([]);
        // Registered last with the same ttl, so once it is gone the originals would be too:
        // a clock in the adapter's own time base, whatever that is.
        await presence().registerConnection(route(clock, "gw-1", "tick"), originalTtl);
        await eventually("the clock route expired", async () => !(await isOnline(clock)));

        const found = await presence().connectionsOf([alice, bob]);
        expect(sorted([...(found.get(alice) ?? []), ...(found.get(bob) ?? [])])).toEqual(sorted(routes));
      });

      test("refreshConnections does not bring back removed routes", async () => {
        const [alice, bob] = ["alice", "bob"].map(uniqueId);
        const kept = route(alice, "gw-1", "kept");
        const removed = route(alice, "gw-1", "removed");
        const bobs = route(bob, "gw-1", "b1");
        for (const r of [kept, removed, bobs]) await presence().registerConnection(r, LONG_TTL_MS);
        await presence().removeConnection(removed);
        await presence().removeConnection(bobs);

        expect(sorted(await presence().refreshConnections([kept, removed, bobs], LONG_TTL_MS))).toEqual(sorted([removed, bobs]));
        const found = await presence().connectionsOf([alice, bob]);
        expect(found.get(alice)).toEqual([kept]);
        expect(found.has(bob)).toBe(false);
        expect(await presence().registerConnection(bobs, LONG_TTL_MS)).toEqual({ cameOnline: true });
      });

      test("refreshConnections does not bring back expired routes", async () => {
        const user = uniqueId("user");
        const r = route(user, "gw-1", "c1");
        await presence().registerConnection(r, SHORT_TTL_MS);
        await eventually("the route expired", async () => !(await isOnline(user)));
        expect(await presence().refreshConnections([r], LONG_TTL_MS)).toEqual([r]);
        expect(await isOnline(user)).toBe(false);
      });

      test("refreshConnections of no routes is harmless", async () => {
        await expect(presence().refreshConnections([], LONG_TTL_MS)).resolves.toEqual([]);
      });
    });

    describe("per-chat online index", () => {
      const sortedIds = (ids: string[]) => [...ids].sort();

      test("lists each user online in any of the chats once, and only those chats' users", async () => {
        const [alice, bob, carol] = ["alice", "bob", "carol"].map(uniqueId);
        const [c1, c2, c3] = ["c1", "c2", "c3"].map(uniqueId);
        await presence().addOnlineInChats(alice, [c1, c2]);
        await presence().addOnlineInChats(bob, [c2]);
        await presence().addOnlineInChats(carol, [c3]);
        expect(sortedIds(await presence().onlineInChats([c1, c2]))).toEqual(sortedIds([alice, bob]));
        expect(await presence().onlineInChats([c1])).toEqual([alice]);
        expect(await presence().onlineInChats([c3, c3])).toEqual([carol]);
        expect(await presence().onlineInChats([uniqueId("empty")])).toEqual([]);
      });

      test("removing takes the user out of exactly those chats; repeated writes change nothing", async () => {
        const [alice, bob] = ["alice", "bob"].map(uniqueId);
        const [c1, c2] = ["c1", "c2"].map(uniqueId);
        await presence().addOnlineInChats(alice, [c1, c2]);
        await presence().addOnlineInChats(alice, [c1, c2]);
        await presence().addOnlineInChats(bob, [c1]);
        await presence().removeOnlineInChats(alice, [c1]);
        expect(await presence().onlineInChats([c1])).toEqual([bob]);
        expect(await presence().onlineInChats([c2])).toEqual([alice]);
        await presence().removeOnlineInChats(alice, [c1, c2]);
        await presence().removeOnlineInChats(uniqueId("stranger"), [c1]);
        expect(await presence().onlineInChats([c1, c2])).toEqual([bob]);
      });

      test("empty inputs are harmless", async () => {
        await expect(presence().addOnlineInChats(uniqueId("u"), [])).resolves.toBeUndefined();
        await expect(presence().removeOnlineInChats(uniqueId("u"), [])).resolves.toBeUndefined();
        expect(await presence().onlineInChats([])).toEqual([]);
      });
    });

    describe("gateway registry", () => {
      test("a registered gateway's address can be looked up and re-registered with a new one", async () => {
        const gateway = uniqueId("gw");
        await presence().registerGateway(gateway, "10.0.0.1:9081", LONG_TTL_MS);
        expect(await presence().gatewayAddress(gateway)).toBe("10.0.0.1:9081");
        await presence().registerGateway(gateway, "10.0.0.2:9081", LONG_TTL_MS);
        expect(await presence().gatewayAddress(gateway)).toBe("10.0.0.2:9081");
      });

      test("an unknown gateway has no address", async () => {
        expect(await presence().gatewayAddress(uniqueId("gw"))).toBeUndefined();
      });

      test("a gateway registration expires after its ttl", async () => {
        const gateway = uniqueId("gw");
        await presence().registerGateway(gateway, "10.0.0.1:9081", SHORT_TTL_MS);
        await eventually("the gateway registration expired", async () => (await presence().gatewayAddress(gateway)) === undefined);
      });

      test("unregistering removes the address; unregistering an unknown gateway is harmless", async () => {
        const gateway = uniqueId("gw");
        await presence().registerGateway(gateway, "10.0.0.1:9081", LONG_TTL_MS);
        await presence().unregisterGateway(gateway);
        expect(await presence().gatewayAddress(gateway)).toBeUndefined();
        await expect(presence().unregisterGateway(uniqueId("gw"))).resolves.toBeUndefined();
      });
    });

    test("ping succeeds", async () => {
      await expect(presence().ping()).resolves.toBeUndefined();
    });
  });
}
