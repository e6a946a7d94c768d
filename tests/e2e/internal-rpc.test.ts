import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { loadConfig } from "@chat/config";
import { createEmbeddedEventLog } from "@chat/eventlog/embedded";
import { startIngest, type RunningIngest } from "@chat/ingest";
import { createLogger, createMetricsRegistry } from "@chat/observability";
import { IngestService } from "@chat/proto";
import { GrpcRpcHost, serviceCredentialClient } from "@chat/rpc";
import { createEmbeddedStore } from "@chat/store/embedded";
import { startHarness, type Harness } from "./support/all-in-one-harness";

// Internal RPCs (PersistMessage here; Deliver works the same way) take the service credential;
// a user's access token, or nothing, is refused before the handler runs.
let ingest: RunningIngest;
let h: Harness;
const secret = "internal-secret-for-the-test-0123";
beforeAll(async () => {
  h = await startHarness();
  const config = loadConfig({}, { CHAT_INGEST_GRPC_PORT: "0", CHAT_SERVICE_SECRET: secret, CHAT_LOG_LEVEL: "silent" });
  ingest = await startIngest(config, {
    store: createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), "ingest-")) }),
    eventLog: createEmbeddedEventLog(),
    rpc: new GrpcRpcHost("127.0.0.1", secret),
    logger: createLogger("ingest", "silent"),
    metrics: createMetricsRegistry("ingest", false),
  });
});
afterAll(async () => {
  await ingest.stop();
  await h.stop();
});

const call = async (header?: string) => {
  const client = createClient(
    IngestService,
    createGrpcTransport({
      baseUrl: ingest.address,
      interceptors: header === undefined ? [] : [(next) => (req) => (req.header.set("authorization", header), next(req))],
    }),
  );
  return client.persistMessage({ chatId: "c1", senderId: "alice", clientMessageId: "m", body: "x" }).then(
    () => "ok",
    (e) => ConnectError.from(e).code,
  );
};

test.each([
  ["no credential", undefined],
  ["a user's valid access token", "USER"],
  ["a wrong service secret", "Service not-the-secret-0123456789"],
])("PersistMessage with %s is unauthenticated", async (_n, header) => {
  const value = header === "USER" ? `Bearer ${await h.token("alice")}` : header;
  expect(await call(value)).toBe(Code.Unauthenticated);
});

test("with the service credential the call reaches the handler (and its own checks)", async () => {
  const client = createClient(IngestService, createGrpcTransport({ baseUrl: ingest.address, interceptors: [serviceCredentialClient(secret)] }));
  const err = await client.persistMessage({ chatId: "c1", senderId: "alice", clientMessageId: "m", body: "x" }).catch((e) => ConnectError.from(e));
  // Past authentication: the chat does not exist for alice.
  expect((err as ConnectError).code).toBe(Code.NotFound);
});

test.each([
  ["empty", ""],
  ["a path", "../x"],
  ["a NUL", "a\u0000b"],
  ["300 characters", "a".repeat(300)],
  ["a space", "alice bob"],
])("PersistMessage with a valid credential but %s sender_id is invalid_argument", async (_n, senderId) => {
  const client = createClient(IngestService, createGrpcTransport({ baseUrl: ingest.address, interceptors: [serviceCredentialClient(secret)] }));
  const err = await client.persistMessage({ chatId: "c1", senderId, clientMessageId: "m", body: "x" }).catch((e) => ConnectError.from(e));
  expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  expect((err as ConnectError).metadata.get("chat-error-code")).toBe("invalid_argument");
});
