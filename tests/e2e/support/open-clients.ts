import type { Harness } from "./all-in-one-harness";
import type { WsClient } from "./ws-client";

// The sockets a test file opens, closed together after its tests: a socket left open keeps the
// harness's gateway from stopping. `harness` is a getter because files start theirs in beforeAll.
export function openClients(harness: () => Harness) {
  const open: WsClient[] = [];
  const track = (c: WsClient): WsClient => {
    open.push(c);
    return c;
  };
  return {
    track,
    connect: async (user: string): Promise<WsClient> => track(await harness().connect(user)),
    // For a test that closes a client itself.
    forget: (c: WsClient): void => {
      const i = open.indexOf(c);
      if (i >= 0) open.splice(i, 1);
    },
    closeAll: async (): Promise<void> => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    },
  };
}
