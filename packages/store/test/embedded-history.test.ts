import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { MessageSchema } from "@chat/proto";
import { createEmbeddedStore } from "../src/embedded";
import type { Store } from "../src/port";

// History reads are range scans over keys with zero-padded seqs: numeric order across digit
// counts (9 < 10 < 100), pages in both directions, both bounds as on DynamoDB, and chats whose
// ids extend one another ("c1" and "c1-x") kept apart.

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chat-history-"));
  store = createEmbeddedStore({ dataDir: dir });
  await store.bootstrap();
  for (const chatId of ["c1", "c1-x"]) {
    await Promise.all(
      Array.from({ length: 120 }, async () => {
        const seq = await store.allocateSeq(chatId);
        await store.commitMessage(create(MessageSchema, { chatId, seq, messageId: `m-${chatId}-${seq}`, senderId: "u1", clientMessageId: `cm-${seq}`, body: `${chatId} ${seq}` }), 60_000, []);
      }),
    );
  }
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const seqs = async (range: { afterSeq?: bigint; beforeSeq?: bigint; limit: number }, chatId = "c1") => (await store.listMessages(chatId, range)).map((m) => Number(m.seq));
const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("pages forward and backward in numeric seq order", async () => {
  expect(await seqs({ afterSeq: 5n, limit: 10 })).toEqual(span(6, 15));
  expect(await seqs({ afterSeq: 95n, limit: 10 })).toEqual(span(96, 105));
  expect(await seqs({ beforeSeq: 105n, limit: 10 })).toEqual(span(95, 104));
  expect(await seqs({ beforeSeq: 11n, limit: 20 })).toEqual(span(1, 10));
  expect(await seqs({ limit: 1000 })).toEqual(span(1, 120));
  expect(await seqs({ afterSeq: 120n, limit: 10 })).toEqual([]);
});

test("with both bounds: the oldest `limit` strictly inside them", async () => {
  expect(await seqs({ afterSeq: 8n, beforeSeq: 100n, limit: 5 })).toEqual(span(9, 13));
  expect(await seqs({ afterSeq: 8n, beforeSeq: 12n, limit: 50 })).toEqual(span(9, 11));
  expect(await seqs({ afterSeq: 8n, beforeSeq: 9n, limit: 50 })).toEqual([]);
});

test("a chat whose id extends another's is a different range", async () => {
  expect((await store.listMessages("c1-x", { beforeSeq: 3n, limit: 10 })).map((m) => m.body)).toEqual(["c1-x 1", "c1-x 2"]);
  expect(await seqs({ limit: 1000 }, "c1-x")).toEqual(span(1, 120));
  expect(await seqs({ limit: 10 }, "c")).toEqual([]);
});
