import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreContract, reopenableStore } from "@chat/store/contract";
import { createEmbeddedStore } from "@chat/store/embedded";
import type { Store } from "@chat/store";
import { MembershipCache, withMembershipCache, withMembershipInvalidation } from "../src";

// The Store port's contract holds through the cache's decorators (ADR 0034): the cache active
// (as while its invalidation reader keeps up) with no event reader at all, so every member read
// the suite makes after a write is right only because the decorated writes invalidate. Two
// views of one cache, as in all-in-one: reads from the cached store, writes through either.
for (const writes of ["cached", "invalidating"] as const) {
  describeStoreContract(`embedded behind the membership cache (writes through the ${writes} store)`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "chat-cache-contract-"));
    const open = async (): Promise<Store> => {
      const inner = createEmbeddedStore({ dataDir });
      await inner.bootstrap();
      const cache = new MembershipCache(inner, { ttlMs: 600_000, maxRows: 10_000 });
      cache.setActive(true);
      const cached = withMembershipCache(inner, cache);
      if (writes === "cached") return cached;
      const writer = withMembershipInvalidation(inner, cache);
      // Member reads from the cache, everything else (the writes) through the invalidating view.
      return new Proxy(writer, {
        get: (target, prop, receiver) => (prop === "listMembers" || prop === "getMember" || prop === "listMembershipsOfUser" ? Reflect.get(cached, prop) : Reflect.get(target, prop, receiver)),
      });
    };
    return reopenableStore(open, () => rm(dataDir, { recursive: true, force: true }));
  });
}
