import { create } from "@bufbuild/protobuf";
import { ChatKind, ChatSchema } from "@chat/proto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedStore } from "../src/embedded/embedded-store";
import { outboxShardOf } from "../src/outbox-shard";
import type { OutboxEntry } from "../src/port";

// Outbox deletes are lazy (they ride along with the next synced flush): an entry whose delete
// is staged is gone for every reader at once, even before LevelDB has the delete.

let dir: string;
let store: EmbeddedStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-outbox-lazy-"));
  store = new EmbeddedStore({ dataDir: dir });
  await store.bootstrap();
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = (id: string, seq: bigint): OutboxEntry => ({ id, topic: "messages.persisted", key: "chat-1", payload: new Uint8Array([1, 2, 3]), createdAtMs: 1000, headers: {}, seq });

test("entries whose delete is staged are not listed or counted, and a listing still fills its limit", async () => {
  const shard = outboxShardOf("chat-1");
  const entries = Array.from({ length: 6 }, (_, i) => entry(`e${i}`, BigInt(i + 1)));
  for (const e of entries) await store.createChat(create(ChatSchema, { chatId: `c-${e.id}`, kind: ChatKind.GROUP, title: "t", createdBy: "u" }), [], [e]);
  const deleted = store.deleteOutbox(entries.slice(0, 3));
  // Not awaited: the delete is only staged (LevelDB still has the entries).
  expect((await store.listOutboxShard(shard, 2)).map((e) => e.id)).toEqual(["e3", "e4"]);
  expect((await store.listOutboxShard(shard, 10)).map((e) => e.id)).toEqual(["e3", "e4", "e5"]);
  expect(await store.countOutbox(100)).toBe(3);
  await deleted;
  expect((await store.listOutboxShard(shard, 10)).map((e) => e.id)).toEqual(["e3", "e4", "e5"]);
});
