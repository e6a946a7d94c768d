import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
// Tokens per second of a rate limit: fractions allowed (0.5 = one every 2 s).
const perSecond = z.coerce.number().positive().finite();
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
// "PER_SECOND:BURST", e.g. "10:20" or "0.5:3": one token bucket.
const rate = z
  .string()
  .regex(/^(?=[\d.]*[1-9])\d{1,6}(\.\d{1,3})?:[1-9]\d{0,5}$/, "expected PER_SECOND:BURST, a positive rate (up to 3 decimals) and a positive integer burst, e.g. 10:20")
  .transform((s) => {
    const [perSecond, burst] = s.split(":").map(Number);
    return { perSecond, burst };
  });
const list = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));

// Every variable, its default and meaning is listed in docs/operations.md. Unknown CHAT_*
// variables are rejected so a typo cannot silently fall back to a default.
export const envSchema = z
  .object({
    CHAT_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // OpenTelemetry tracing (ADR 0022): auto = on in a standalone service, off in all-in-one.
    CHAT_TRACING: z.enum(["auto", "on", "off"]).default("auto"),
    // OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; unset = no export.
    CHAT_OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    CHAT_TRACING_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1),
    // No compiled default: standalone services refuse to start without it (see loadConfig);
    // the all-in-one process generates one per run, since nothing outside it calls in.
    CHAT_SERVICE_SECRET: z.string().min(16).optional(),

    // Remote configuration sources read once at startup by standalone services (environment >
    // SSM > Secrets Manager > defaults; ADR 0022). Only settable in the environment.
    CHAT_SSM_PREFIX: z.string().regex(/^\/[A-Za-z0-9_.\-/]*$/, "expected an SSM path such as /chat/prod/").optional(),
    CHAT_SECRETS_MANAGER_SECRET_ID: z.string().min(1).optional(),
    CHAT_AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "expected an AWS region such as eu-west-1").optional(),
    CHAT_AWS_ENDPOINT: z.string().url().optional(),

    CHAT_EVENTLOG: z.enum(["embedded", "kafka"]).default("embedded"),
    // Embedded event log (all-in-one): records a partition keeps before the oldest unread ones
    // are dropped (ADR 0031); read records are released at once.
    CHAT_EVENTLOG_EMBEDDED_MAX_RECORDS: z.coerce.number().int().min(1000).max(10_000_000).default(10_000),
    CHAT_KAFKA_BROKERS: list.default(["127.0.0.1:9092"]),
    CHAT_KAFKA_CLIENT_ID: z.string().default("chat"),
    // Consumer group timing (ADR-0021): how soon a dead member's partitions move, and how long
    // a rebalance may wait for live members to rejoin.
    CHAT_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
    CHAT_KAFKA_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(1000),
    CHAT_KAFKA_REBALANCE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(3000),
    // Handled positions are committed at most this often (0: after every batch), ADR 0038.
    CHAT_KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    // Producer micro-batching (issue 7): how long a record waits for others to share its
    // produce request, and the most records per request.
    CHAT_KAFKA_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(10),
    CHAT_KAFKA_BATCH_MAX_RECORDS: z.coerce.number().int().min(1).max(100_000).default(1000),
    CHAT_KAFKA_SSL: bool.default(false),
    // PEM file of the CA that signed the brokers' certificates; unset: the system roots.
    CHAT_KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
    CHAT_KAFKA_SASL_MECHANISM: z.enum(["none", "scram-sha-256", "scram-sha-512", "oauthbearer-msk-iam"]).default("none"),
    // Secrets: no defaults; required by loadConfig when the mechanism is SCRAM.
    CHAT_KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    CHAT_KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    // Region the MSK IAM token is signed for (the cluster's region).
    CHAT_KAFKA_AWS_REGION: z.string().min(1).default("us-east-1"),

    CHAT_STORE: z.enum(["embedded", "dynamodb"]).default("embedded"),
    CHAT_STORE_DATA_DIR: z.string().default(".data/store"),
    // LevelDB block cache of the embedded store (ADR 0024): its main memory besides the data.
    CHAT_STORE_CACHE_MB: z.coerce.number().int().min(1).max(4096).default(16),
    // Least time between two synced flushes of the embedded store (ADR 0032): what was staged
    // meanwhile shares one fdatasync. 0: flush as soon as the previous one is done.
    CHAT_STORE_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(100).default(4),
    CHAT_DYNAMODB_ENDPOINT: z.string().url().optional(),
    CHAT_DYNAMODB_REGION: z.string().default("us-east-1"),
    CHAT_DYNAMODB_TABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]*$/).default("chat_"),

    // Membership cache of fanout and gateway (ADR 0027, 0034): entries live at most this long
    // (the safety net behind invalidation by memberships.changed; 0 turns the cache off), at
    // most this many member rows are held, and an invalidation arriving later than the lag
    // bound, or no read of the membership events for that long, empties the whole cache.
    CHAT_MEMBERSHIP_CACHE_TTL_MS: z.coerce.number().int().min(0).default(60_000),
    CHAT_MEMBERSHIP_CACHE_MAX_ROWS: positiveInt.default(100_000),
    CHAT_MEMBERSHIP_CACHE_MAX_LAG_MS: positiveInt.default(5000),

    CHAT_PRESENCE: z.enum(["embedded", "redis"]).default("embedded"),
    CHAT_REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
    CHAT_REDIS_KEY_PREFIX: z.string().default("chat:"),

    // OIDC: the issuer is discovered (/.well-known/openid-configuration) and its JWKS used.
    CHAT_OIDC_ISSUER: z.string().url().optional(),
    CHAT_OIDC_AUDIENCE: z.string().default("chat-api"),
    CHAT_OIDC_ALGORITHMS: list.default(["RS256", "ES256", "PS256", "EdDSA"]),
    CHAT_OIDC_ALLOW_HTTP: bool.default(false),
    CHAT_DEV_ISSUER_PORT: port.default(4400),
    // All-in-one: directory of the web page's static build served at /app/ (unset: next to the
    // bundle or in the source tree, see packages/all-in-one/src/web-app.ts).
    CHAT_WEB_DIR: z.string().min(1).optional(),

    CHAT_HOST: z.string().default("127.0.0.1"),
    CHAT_GATEWAY_PORT: port.default(8080),
    CHAT_GATEWAY_GRPC_PORT: port.default(9081),
    CHAT_GATEWAY_ID: z.string().optional(),
    // Address other services use to reach this gateway's gRPC port (host:port).
    CHAT_GATEWAY_ADVERTISED_ADDRESS: z.string().optional(),
    CHAT_INGEST_GRPC_PORT: port.default(9082),
    CHAT_INGEST_ADDRESS: z.string().default("http://127.0.0.1:9082"),
    CHAT_INGEST_HTTP_PORT: port.default(9085),
    CHAT_CHATMGMT_PORT: port.default(8081),
    CHAT_CHATMGMT_GRPC_PORT: port.default(9083),
    CHAT_FANOUT_HTTP_PORT: port.default(9084),
    CHAT_FANOUT_GROUP_ID: z.string().default("fanout"),
    // Per-gateway delivery (ADR-0021): Deliver deadline, consecutive failures that open a
    // gateway's breaker, how long it stays open before a trial call, deliveries queued per gateway.
    CHAT_FANOUT_DELIVER_TIMEOUT_MS: positiveInt.default(2000),
    CHAT_FANOUT_BREAKER_FAILURES: positiveInt.default(3),
    CHAT_FANOUT_BREAKER_COOLDOWN_MS: positiveInt.default(5000),
    CHAT_FANOUT_GATEWAY_QUEUE_MAX: positiveInt.default(10_000),
    // Deliveries sent to one gateway in one Deliver call.
    CHAT_FANOUT_DELIVER_BATCH: positiveInt.default(128),
    // After a batch failed, each of its events is tried alone this many times (attempt n is
    // followed by a wait of n × backoff); one that still fails as poison goes to dead_letters.
    CHAT_FANOUT_DEAD_LETTER_ATTEMPTS: positiveInt.default(3),
    CHAT_FANOUT_RETRY_BACKOFF_MS: positiveInt.default(100),

    CHAT_MAX_BODY_BYTES: positiveInt.default(64 * 1024),
    CHAT_MAX_FRAME_BYTES: positiveInt.default(128 * 1024),
    CHAT_SENDS_PER_SECOND: perSecond.default(10),
    CHAT_SEND_BURST: positiveInt.default(20),
    // Shared by all of a user's connections on one gateway.
    CHAT_USER_SENDS_PER_SECOND: perSecond.default(20),
    CHAT_USER_SEND_BURST: positiveInt.default(40),
    // REST / gRPC chat management, per replica.
    CHAT_API_REQUESTS_PER_SECOND_PER_USER: perSecond.default(20),
    CHAT_API_BURST_PER_USER: positiveInt.default(40),
    CHAT_API_REQUESTS_PER_SECOND_PER_IP: perSecond.default(50),
    CHAT_API_BURST_PER_IP: positiveInt.default(100),
    // Largest REST / Connect / gRPC request of the chat API, measured after decompression.
    CHAT_API_MAX_REQUEST_BYTES: positiveInt.default(64 * 1024),
    // Quotas (ADR-0021): chats one user is in, members of one chat.
    CHAT_MAX_CHATS_PER_USER: positiveInt.default(1000),
    CHAT_MAX_MEMBERS_PER_CHAT: positiveInt.default(10_000),
    CHAT_OUTBOUND_BUFFER_MESSAGES: positiveInt.default(1000),
    // Bytes waiting to be written to one connection's socket, counting every frame (pushes,
    // replies, errors, pongs).
    CHAT_OUTBOUND_BUFFER_BYTES: positiveInt.default(4 * 1024 * 1024),
    // Client frames of one connection handled at the same time; at the bound the socket is not
    // read until one finishes (past twice the bound: rate_limited).
    CHAT_MAX_IN_FLIGHT_PER_CONNECTION: positiveInt.default(32),
    // WebSocket operations other than sends, per connection and per user (on one gateway).
    CHAT_TYPING_RATE: rate.default({ perSecond: 2, burst: 5 }),
    CHAT_USER_TYPING_RATE: rate.default({ perSecond: 4, burst: 10 }),
    CHAT_RECEIPT_RATE: rate.default({ perSecond: 10, burst: 30 }),
    CHAT_USER_RECEIPT_RATE: rate.default({ perSecond: 20, burst: 60 }),
    CHAT_SYNC_RATE: rate.default({ perSecond: 10, burst: 30 }),
    CHAT_USER_SYNC_RATE: rate.default({ perSecond: 20, burst: 60 }),
    CHAT_PING_RATE: rate.default({ perSecond: 5, burst: 20 }),
    CHAT_USER_PING_RATE: rate.default({ perSecond: 10, burst: 40 }),
    // A user's typing frames for one chat are relayed at most once per interval (per gateway).
    CHAT_TYPING_RELAY_INTERVAL_MS: positiveInt.default(1000),
    // Per client IP: sockets not yet authenticated, and new WebSocket connections per second.
    CHAT_MAX_UNAUTHENTICATED_PER_IP: positiveInt.default(100),
    CHAT_WS_CONNECT_RATE_PER_IP: rate.default({ perSecond: 50, burst: 200 }),
    CHAT_INGEST_DEADLINE_MS: positiveInt.default(5000),
    // Gateway → ingest circuit breaker (ADR-009): consecutive infrastructure failures that open
    // it, and how long it fails sends fast before one probe goes through.
    CHAT_INGEST_BREAKER_FAILURES: positiveInt.default(5),
    CHAT_INGEST_BREAKER_COOLDOWN_MS: positiveInt.default(2000),
    // Sends a gateway hands ingest in one PersistMessages call (those of one event-loop tick),
    // and the most ingest accepts in one; 1 = one PersistMessage call per send (ADR 0035).
    CHAT_INGEST_BATCH_MAX_SENDS: positiveInt.default(100),
    // Frames a client may pipeline after `auth` while its token is verified; one more closes it.
    CHAT_MAX_FRAMES_BEFORE_HELLO: positiveInt.default(32),
    // Heartbeat intervals without a pong after which a connection is closed.
    CHAT_MISSED_HEARTBEATS: positiveInt.default(2),
    // Messages per page of a `sync` frame and of REST/gRPC history: when the client asks for
    // none, and the most it may ask for (advertised in `hello`).
    CHAT_SYNC_PAGE_DEFAULT: positiveInt.default(50),
    CHAT_SYNC_PAGE_MAX: positiveInt.default(100),
    // Chats per page of "list my chats" (chat API).
    CHAT_CHATS_PAGE_DEFAULT: positiveInt.default(50),
    CHAT_CHATS_PAGE_MAX: positiveInt.default(100),
    // A user's chats (at most) whose members are told when the user comes online or goes offline.
    CHAT_PRESENCE_ANNOUNCE_MAX_CHATS: positiveInt.default(100),
    CHAT_HEARTBEAT_INTERVAL_MS: positiveInt.default(30_000),
    CHAT_AUTH_TIMEOUT_MS: positiveInt.default(5000),
    CHAT_DRAIN_TIMEOUT_MS: positiveInt.default(30_000),
    CHAT_PRESENCE_TTL_MS: positiveInt.default(90_000),
    CHAT_IDEMPOTENCY_TTL_MS: positiveInt.default(24 * 60 * 60 * 1000),
    CHAT_OUTBOX_INTERVAL_MS: positiveInt.default(1000),
    CHAT_OUTBOX_BATCH: positiveInt.default(500),
    CHAT_OUTBOX_LEASE_MS: positiveInt.default(10_000),
    CHAT_INGEST_MAX_QUEUE_PER_CHAT: positiveInt.default(100),
    CHAT_INGEST_MAX_QUEUED: positiveInt.default(2000),
    CHAT_INGEST_COMMITS_IN_FLIGHT: positiveInt.default(2),
  })
  .strict()
  .refine((e) => e.CHAT_KAFKA_HEARTBEAT_INTERVAL_MS < e.CHAT_KAFKA_SESSION_TIMEOUT_MS, {
    message: "must be lower than CHAT_KAFKA_SESSION_TIMEOUT_MS (a third of it at most is advisable)",
    path: ["CHAT_KAFKA_HEARTBEAT_INTERVAL_MS"],
  })
  .refine((e) => e.CHAT_SYNC_PAGE_DEFAULT <= e.CHAT_SYNC_PAGE_MAX, { message: "must not exceed CHAT_SYNC_PAGE_MAX", path: ["CHAT_SYNC_PAGE_DEFAULT"] })
  .refine((e) => e.CHAT_CHATS_PAGE_DEFAULT <= e.CHAT_CHATS_PAGE_MAX, { message: "must not exceed CHAT_CHATS_PAGE_MAX", path: ["CHAT_CHATS_PAGE_DEFAULT"] });

export type Env = z.infer<typeof envSchema>;
