import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { loadConfig } from "@chat/config";
import { ChatError } from "@chat/domain";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { startIngest, type RunningIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry } from "@chat/observability";
import { ChatKind, ChatSchema, IngestService, MemberRole, MemberSchema, PersistMessagesRequestSchema, type PersistMessagesResponse } from "@chat/proto";
import { GrpcRpcHost, InProcessRpcHost, type RpcHost } from "@chat/rpc";
import type { Store } from "@chat/store";
import { createEmbeddedStore } from "@chat/store/embedded";

// PersistMessages (ADR 0035): many sends in one call, each handled as PersistMessage handles it
// and answered on its own, in the request's order; a chat's sends are sequenced in that order.
// Real ingest on the embedded store, over gRPC and as the all-in-one's direct call.

const SECRET = "ingest-batch-secret-0123456789ab";
const chatId = "batched";
const HOSTS: Array<[string, () => RpcHost]> = [
  ["gRPC", () => new GrpcRpcHost("127.0.0.1", SECRET)],
  ["in-process", () => new InProcessRpcHost(SECRET)],
];

describe.each(HOSTS)("PersistMessages, %s", (_via, makeHost) => {
  let dataDir: string;
  let store: Store;
  let ingest: RunningIngest;
  let call: (sends: Array<{ chatId?: string; senderId: string; clientMessageId: string; body: string }>) => Promise<PersistMessagesResponse>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ingest-batch-"));
    store = createEmbeddedStore({ dataDir });
    await store.bootstrap();
    const now = timestampFromMs(Date.now());
    await store.createChat(create(ChatSchema, { chatId, kind: ChatKind.GROUP, title: "t", createdBy: "alice", createdAt: now }), [
      create(MemberSchema, { chatId, userId: "alice", role: MemberRole.ADMIN, joinedAt: now }),
      create(MemberSchema, { chatId, userId: "bob", role: MemberRole.MEMBER, joinedAt: now }),
    ], []);
    const rpc = makeHost();
    const config = loadConfig({}, { CHAT_INGEST_GRPC_PORT: "0", CHAT_SERVICE_SECRET: SECRET, CHAT_LOG_LEVEL: "silent", CHAT_INGEST_BATCH_MAX_SENDS: "10" });
    ingest = await startIngest(config, { store, eventLog: createEmbeddedEventLog(), rpc, logger: createLogger("ingest", "silent"), metrics: createMetricsRegistry("ingest", false) });
    const api = rpc.api(IngestService, ingest.address);
    call = (sends) => api.persistMessages(create(PersistMessagesRequestSchema, { sends: sends.map((s) => ({ chatId, contentType: "text/plain", ...s })) }), { deadlineAtMs: Date.now() + 10_000 });
  });
  afterAll(async () => {
    await ingest.stop();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const summary = (res: PersistMessagesResponse) =>
    res.results.map((r) =>
      r.outcome.case === "persisted"
        ? { seq: Number(r.outcome.value.message!.seq), clientMessageId: r.outcome.value.message!.clientMessageId, duplicate: r.outcome.value.duplicate }
        : { error: r.outcome.value?.code },
    );

  test("each send is answered on its own, in order: stored, refused, duplicate, malformed", async () => {
    const res = await call([
      { senderId: "alice", clientMessageId: "a1", body: "one" },
      { senderId: "mallory", clientMessageId: "x1", body: "not a member" },
      { senderId: "bob", clientMessageId: "b1", body: "two" },
      { senderId: "alice", clientMessageId: "a1", body: "one again" },
      { senderId: "alice", clientMessageId: "", body: "no id" },
      { senderId: "alice", clientMessageId: "a2", body: "three" },
    ]);
    expect(summary(res)).toEqual([
      { seq: 1, clientMessageId: "a1", duplicate: false },
      { error: "not_found" },
      { seq: 2, clientMessageId: "b1", duplicate: false },
      { seq: 1, clientMessageId: "a1", duplicate: true },
      { error: "invalid_argument" },
      { seq: 3, clientMessageId: "a2", duplicate: false },
    ]);
    const stored = await store.listMessages(chatId, { limit: 10 });
    expect(stored.map((m) => [Number(m.seq), m.senderId, m.clientMessageId, m.body])).toEqual([
      [1, "alice", "a1", "one"],
      [2, "bob", "b1", "two"],
      [3, "alice", "a2", "three"],
    ]);
  });

  test("more sends than CHAT_INGEST_BATCH_MAX_SENDS are refused as a whole and nothing is stored", async () => {
    const before = await store.currentSeq(chatId);
    const err = await call(Array.from({ length: 11 }, (_, i) => ({ senderId: "alice", clientMessageId: `over-${i}`, body: "x" }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatError);
    expect(err).toMatchObject({ code: "invalid_argument", message: "at most 10 sends per PersistMessages call, got 11" });
    expect(await store.currentSeq(chatId)).toBe(before);
  });

  test("an empty call is answered with no results", async () => {
    expect((await call([])).results).toEqual([]);
  });
});
