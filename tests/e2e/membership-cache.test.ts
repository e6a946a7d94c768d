import { startHarness, type Harness } from "./support/all-in-one-harness";
import { openClients } from "./support/open-clients";

// ADR 0034: the membership cache is on by default (all-in-one: chatmgmt's writes invalidate it
// synchronously). A member added or removed is seen by the very next message's delivery, with
// the chat's member list cached from the messages before.
let h: Harness;
const clients = openClients(() => h);
const connect = clients.connect;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await clients.closeAll();
  await h.stop();
});

async function memberListHits(): Promise<number> {
  const text = await (await fetch(h.wsUrl.replace(/^ws:/, "http:").replace(/\/ws\/v1$/, "/metrics"))).text();
  const line = text.split("\n").find((l) => /membership_cache_reads_total\{/.test(l) && l.includes('read="members"') && l.includes('outcome="hit"'));
  return line ? Number(line.split(" ").pop()) : 0;
}

test("with the chat's members cached, an added member gets the next message and a removed one does not", async () => {
  const chatId = await h.createGroup("alice", ["bob"]);
  const [alice, bob, carol] = [await connect("alice"), await connect("bob"), await connect("carol")];
  const send = (id: string) => alice.request({ sendMessage: { chatId, clientMessageId: id, body: id } });

  // Two messages: the second's delivery reads the member list from the cache.
  const hitsBefore = await memberListHits();
  await send("m1");
  await send("m2");
  await bob.messages(chatId, 2);
  expect(await memberListHits()).toBeGreaterThan(hitsBefore);

  // Added: the next message reaches carol without waiting for anything else.
  await (await h.api("alice")).addMember({ chatId, userId: "carol" });
  const m3 = await send("m3");
  expect((await carol.messages(chatId, 1)).map((m) => m.seq)).toEqual([m3.messageAck.seq]);

  // Removed: the next message reaches carol but not bob.
  await (await h.api("alice")).removeMember({ chatId, userId: "bob" });
  await send("m4");
  await carol.messages(chatId, 2);
  // One Deliver call carries a message to every member on the gateway; a round trip on bob's
  // socket after carol got m4 comes after anything that call would have written to bob.
  await bob.request({ ping: { nonce: "after-m4" } });
  expect(bob.frames.filter((f) => f.message?.chatId === chatId).map((f) => f.message.body)).toEqual(["m1", "m2", "m3"]);
});
