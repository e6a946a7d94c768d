import { startHarness } from "./support/all-in-one-harness";

test("the embedded store keeps chats, messages and receipts across a restart of all-in-one", async () => {
  const first = await startHarness();
  const chatId = await first.createGroup("alice", ["bob"]);
  const alice = await first.connect("alice");
  await alice.request({ sendMessage: { chatId, clientMessageId: "p1", body: "persist me" } });
  await alice.request({ sendMessage: { chatId, clientMessageId: "p2", body: "me too" } });
  await alice.request({ read: { chatId, seq: "2" } });
  await alice.close();
  await first.stop();

  const second = await startHarness({}, first.dataDir);
  try {
    const api = await second.api("bob");
    const history = await api.getMessageHistory({ chatId });
    expect(history.messages.map((m) => m.body)).toEqual(["persist me", "me too"]);
    expect((await api.getReceipts({ chatId })).receipts[0]).toMatchObject({ userId: "alice", readSeq: 2n });
    // The counter survived too: the next message continues the sequence.
    const bob = await second.connect("bob");
    const ack = await bob.request({ sendMessage: { chatId, clientMessageId: "p3", body: "after restart" } });
    expect(ack.messageAck.seq).toBe("3");
    // And a retry of a pre-restart send is still recognised.
    const alice2 = await second.connect("alice");
    const retry = await alice2.request({ sendMessage: { chatId, clientMessageId: "p1", body: "persist me" } });
    expect(retry.messageAck).toMatchObject({ seq: "1", duplicate: true });
    await bob.close();
    await alice2.close();
  } finally {
    await second.stop();
  }
});
