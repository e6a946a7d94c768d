import { startHarness, type Harness } from "./support/all-in-one-harness";
import { openClients } from "./support/open-clients";
import type { WsClient } from "./support/ws-client";

// ADR 0036: fanout delivers to a chat's members who are online, walking the users online
// instead of the member list when they are fewer (here: 40 members, at most 4 online). The
// guarantees stay those of a full member walk: a member who comes online, or is added, gets
// the next message live, also when they connect while messages are being fanned out; a removed
// member gets nothing more.
let h: Harness;
const clients = openClients(() => h);
const connect = clients.connect;
const bodies = (c: WsClient, chatId: string) => c.frames.filter((f) => f.message?.chatId === chatId).map((f) => f.message.body as string);

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await clients.closeAll();
  await h.stop();
});

test("in a chat with far more members than users online, comers, added and removed members get exactly what a member walk gives", async () => {
  const others = Array.from({ length: 39 }, (_, i) => `member${i}`);
  const chatId = await h.createGroup("alice", ["bob", ...others]);
  const alice = await connect("alice");
  const send = (id: string) => alice.request({ sendMessage: { chatId, clientMessageId: id, body: id } });

  await send("m1");
  await alice.messages(chatId, 1);
  // bob comes online after m1: m2 reaches him live.
  const bob = await connect("bob");
  await send("m2");
  expect((await bob.messages(chatId, 1)).map((m) => m.body)).toEqual(["m2"]);

  // carol is online but not a member: m3 does not reach her; added, m4 does.
  const carol = await connect("carol");
  await send("m3");
  await bob.messages(chatId, 2);
  await (await h.api("alice")).addMember({ chatId, userId: "carol" });
  await send("m4");
  expect((await carol.messages(chatId, 1)).map((m) => m.body)).toEqual(["m4"]);

  // bob removed: m5 reaches carol, not bob (a round trip on bob's socket after carol has m5
  // comes after anything the same Deliver call would have written to him).
  await (await h.api("alice")).removeMember({ chatId, userId: "bob" });
  await send("m5");
  await carol.messages(chatId, 2);
  await bob.request({ ping: { nonce: "after-m5" } });
  expect(bodies(bob, chatId)).toEqual(["m2", "m3", "m4"]);
});

test("a member connecting while messages are fanned out gets every message sent after their hello", async () => {
  const others = Array.from({ length: 39 }, (_, i) => `racer${i}`);
  const chatId = await h.createGroup("sender", ["dave", ...others]);
  const sender = await connect("sender");
  let n = 0;
  const state = { daveConnected: false, stop: false };
  // Sends back to back (each waits for its ack) while dave connects; the first send issued
  // after dave's hello and every one after it must reach him live.
  const sending = (async () => {
    const sentAfterHello: string[] = [];
    while (!state.stop) {
      const id = `r${n++}`;
      if (state.daveConnected) sentAfterHello.push(id);
      await sender.request({ sendMessage: { chatId, clientMessageId: id, body: id } });
    }
    return sentAfterHello;
  })();
  await sender.messages(chatId, 3);
  const dave = await connect("dave");
  state.daveConnected = true;
  await sender.messages(chatId, n + 10, 15_000);
  state.stop = true;
  const owed = await sending;
  expect(owed.length).toBeGreaterThanOrEqual(10);
  // dave may also get messages sent just before his hello; waiting for the last owed one.
  await dave.waitFor((f) => f.message?.chatId === chatId && f.message.body === owed[owed.length - 1], 15_000);
  const got = bodies(dave, chatId);
  expect(got.slice(got.indexOf(owed[0]))).toEqual(owed);
});
