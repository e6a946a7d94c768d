import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileOutboxStorage, type SendAck } from "@chat/client/node";
import { startHarness } from "./support/all-in-one-harness";
import { eventually, sdkClient } from "./support/sdk";

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test("sends made while the server is unreachable survive a restart of the app in the file outbox, and are delivered once, in order", async () => {
  const h = await startHarness();
  const file = join(mkdtempSync(join(tmpdir(), "chat-outbox-")), "outbox.json");
  try {
    const chatId = await h.createGroup("alice", ["bob"]);
    // First run of the app: the gateway address is wrong (nothing listens), so nothing is acked.
    const offline = sdkClient(h, "alice", { url: `ws://127.0.0.1:${await closedPort()}/ws/v1`, outbox: new FileOutboxStorage(file) });
    offline.client.connect().catch(() => undefined);
    const pending = ["first", "second", "third"].map((body, i) => offline.client.send(chatId, body, { clientMessageId: `offline-${i + 1}` }));
    for (const p of pending) p.catch(() => undefined);
    await eventually(() => offline.client.pendingSends().length === 3 && offline.states.includes("connecting"));
    await offline.client.close();
    await expect(pending[0]).rejects.toMatchObject({ code: "closed" });
    expect((JSON.parse(readFileSync(file, "utf8")) as unknown[]).length).toBe(3);

    // Second run: same file, right address. The restored sends go out and are acknowledged.
    const online = sdkClient(h, "alice", { outbox: new FileOutboxStorage(file) });
    const acks: SendAck[] = [];
    online.client.on("ack", (a) => acks.push(a));
    await online.client.connect();
    await eventually(() => acks.length === 3, 15_000, "the restored sends' acks");
    expect(acks.map((a) => [a.clientMessageId, a.seq])).toEqual([
      ["offline-1", 1n],
      ["offline-2", 2n],
      ["offline-3", 3n],
    ]);
    expect(online.client.pendingSends()).toEqual([]);
    await eventually(() => (JSON.parse(readFileSync(file, "utf8")) as unknown[]).length === 0, 15_000, "an empty outbox file");
    const history = await online.client.api.getMessageHistory({ chatId });
    expect(history.messages.map((m) => m.body)).toEqual(["first", "second", "third"]);
    await online.client.close();
  } finally {
    await h.stop();
  }
});
