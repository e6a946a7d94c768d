import { startHarness } from "./support/all-in-one-harness";
import { sdkClient } from "./support/sdk";
test("dbg", async () => {
  const h = await startHarness();
  const chatId = await h.createGroup("alice", ["bob"]);
  let n = 0;
  const alice = sdkClient(h, "alice", { token: async () => h.app.devIssuer!.mintAccessToken("alice", { expiresInSec: n++ === 0 ? -60 : 6 }), chats: { [chatId]: 0n } });
  alice.client.on("state", (s) => console.log("state", JSON.stringify(s)));
  alice.client.on("error", (e) => console.log("error", e.code, e.message));
  setTimeout(() => console.log("calls", alice.tokenCalls), 3000);
  await alice.client.connect();
  console.log("connected", alice.tokenCalls);
  await alice.client.close();
  await h.stop();
}, 20000);
