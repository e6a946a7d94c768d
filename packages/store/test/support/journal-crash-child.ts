import { create } from "@bufbuild/protobuf";
import { MessageSchema } from "@chat/proto";
import { createEmbeddedStore } from "../../src/embedded";

// Child process of embedded-crash.test.ts: writes messages to the embedded store in a loop,
// several chats at once (so group commits carry several records), and reports each one on
// stdout only after the store acknowledged it. The parent SIGKILLs it at a random moment.
const [dataDir, chats] = process.argv.slice(2);
const store = createEmbeddedStore({ dataDir });
await store.bootstrap();
// Large records make a kill in the middle of a write (a torn tail) likely.
const body = "x".repeat(128 * 1024);

async function writer(chatId: string): Promise<never> {
  for (;;) {
    const seq = await store.allocateSeq(chatId);
    const message = create(MessageSchema, { chatId, seq, senderId: "u1", clientMessageId: `cm-${seq}`, body, messageId: `m-${chatId}-${seq}` });
    await store.commitMessage(message, 60_000, [{ id: `ob-${chatId}-${seq}`, topic: "t", key: chatId, payload: new Uint8Array([1]), createdAtMs: Date.now() }]);
    process.stdout.write(`ack ${chatId} ${seq}\n`);
  }
}

process.stdout.write("ready\n");
await Promise.all(chats.split(",").map(writer));
