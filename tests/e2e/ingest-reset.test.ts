import { mkdtempSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { loadConfig } from "@chat/config";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { startIngest, type RunningIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry } from "@chat/observability";
import { ChatKind, ChatSchema, IngestService, MemberRole, MemberSchema } from "@chat/proto";
import { GrpcRpcHost, GrpcTransports, fromConnectError, serviceCredentialClient } from "@chat/rpc";
import { createEmbeddedStore } from "@chat/store/embedded";
import type { AppendBatch, Store } from "@chat/store";

// Issue 10 item 13a: a PersistMessage cut by an ingest crash (the TCP connection reset while the
// write is in flight) must reach the caller as `unavailable` (retry with the same
// client_message_id), never as `conflict`. A real ingest over real gRPC, behind a TCP proxy that
// the test resets at the moment ingest is inside the write.
const secret = "reset-test-secret-0123456789";
let ingest: RunningIngest;
let proxy: Server;
let resetOnNextRequest = false;
const links = new Set<Socket>();
// A held write: the group commit (appendMessages) announces it was entered and waits until released.
let hold: { entered: () => void; inWrite: Promise<void>; gate: Promise<void>; release: () => void } | undefined;
function holdNextWrite() {
  let entered!: () => void;
  let release!: () => void;
  const inWrite = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  hold = { entered, inWrite, gate, release };
  return hold;
}

beforeAll(async () => {
  const store = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), "ingest-reset-")) });
  // The write blocks while held, so the connection can be cut with the call in flight.
  const blocking: Store = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "appendMessages")
        return async (batch: AppendBatch) => {
          const h = hold;
          if (h) {
            h.entered();
            await h.gate;
          }
          return target.appendMessages(batch);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const config = loadConfig({}, { CHAT_INGEST_GRPC_PORT: "0", CHAT_SERVICE_SECRET: secret, CHAT_LOG_LEVEL: "silent" });
  ingest = await startIngest(config, {
    store: blocking,
    eventLog: createEmbeddedEventLog(),
    rpc: new GrpcRpcHost("127.0.0.1", secret),
    logger: createLogger("ingest", "silent"),
    metrics: createMetricsRegistry("ingest", false),
  });
  const now = timestampFromMs(Date.now());
  await store.createChat(create(ChatSchema, { chatId: "c1", kind: ChatKind.DIRECT, createdBy: "alice", createdAt: now }), [
    create(MemberSchema, { chatId: "c1", userId: "alice", role: MemberRole.MEMBER, joinedAt: now }),
    create(MemberSchema, { chatId: "c1", userId: "bob", role: MemberRole.MEMBER, joinedAt: now }),
  ], []);
  const target = new URL(ingest.address);
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    links.add(client);
    links.add(upstream);
    client.on("data", () => {
      if (resetOnNextRequest) client.resetAndDestroy();
    });
    client.pipe(upstream).pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
});

afterAll(async () => {
  hold?.release();
  for (const s of links) s.destroy();
  await new Promise<void>((r) => proxy.close(() => r()));
  await ingest.stop();
});

function client(address: string) {
  return createClient(IngestService, new GrpcTransports().forAddress(address, [serviceCredentialClient(secret)]));
}

test.each([
  ["reset (RST)", "rst", (s: Socket) => s.resetAndDestroy()],
  ["closed by the peer's kernel (FIN, as when the process is killed)", "fin", (s: Socket) => s.destroy()],
])("a connection %s during PersistMessage is unavailable, not conflict", async (_name, id, cut) => {
  const { port } = proxy.address() as { port: number };
  const h = holdNextWrite();
  const call = client(`http://127.0.0.1:${port}`)
    .persistMessage({ chatId: "c1", senderId: "alice", clientMessageId: `cut-${id}`, body: "hello" })
    .then(
      () => "ok",
      (e: unknown) => fromConnectError(e).code,
    );
  try {
    // Fails fast (instead of hanging) if the call never reached the write.
    await Promise.race([h.inWrite, call.then((c) => Promise.reject(new Error(`call ended before the write: ${c}`)))]);
    for (const s of links) cut(s);
    links.clear();
    expect(await call).toBe("unavailable");
  } finally {
    hold = undefined;
    h.release();
  }
});

test("a connection reset while the request is being sent is unavailable, not conflict", async () => {
  const { port } = proxy.address() as { port: number };
  const c = client(`http://127.0.0.1:${port}`);
  await c.persistMessage({ chatId: "c1", senderId: "alice", clientMessageId: "warm", body: "x" });
  resetOnNextRequest = true;
  const codes = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      c.persistMessage({ chatId: "c1", senderId: "alice", clientMessageId: `w-${i}`, body: "x".repeat(30_000) }).then(
        () => "ok",
        (e: unknown) => fromConnectError(e).code,
      ),
    ),
  );
  resetOnNextRequest = false;
  expect(codes).toEqual(Array(5).fill("unavailable"));
});

test("the retry with the same client_message_id is answered normally", async () => {
  const res = await client(ingest.address).persistMessage({ chatId: "c1", senderId: "alice", clientMessageId: "after", body: "hello" });
  expect(res.message?.clientMessageId).toBe("after");
});
