import type { Env } from "./schema";

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface KafkaConsumerTiming {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  commitIntervalMs: number;
}

// Mirrors @chat/eventlog's KafkaSecurity (config does not depend on adapters).
export interface KafkaSecurityConfig {
  ssl: boolean;
  caFile?: string;
  sasl:
    | { mechanism: "none" }
    | { mechanism: "scram-sha-256" | "scram-sha-512"; username: string; password: string }
    | { mechanism: "oauthbearer-msk-iam"; region: string };
}

export interface Config {
  logLevel: Env["CHAT_LOG_LEVEL"];
  tracing: { mode: Env["CHAT_TRACING"]; otlpEndpoint?: string; sampleRatio: number };
  serviceSecret: string;
  host: string;
  eventLog: { kind: "embedded"; maxRecordsPerPartition: number } | { kind: "kafka"; brokers: string[]; clientId: string; consumer: KafkaConsumerTiming; producer: { lingerMs: number; maxBatchRecords: number }; security: KafkaSecurityConfig };
  store: { kind: "embedded" | "dynamodb"; dataDir: string; cacheMb: number; commitIntervalMs: number; dynamodb: { endpoint?: string; region: string; tablePrefix: string } };
  presence: { kind: "embedded" } | { kind: "redis"; url: string; keyPrefix: string };
  // ttlMs 0: no cache (every member read goes to the store).
  membershipCache: { ttlMs: number; maxRows: number; maxLagMs: number };
  identity: { issuer?: string; audience: string; algorithms: string[]; allowHttp: boolean; devIssuerPort: number };
  gateway: { port: number; grpcPort: number; id?: string; advertisedAddress?: string };
  // All-in-one only: the web page's build; undefined = the default places (web-app.ts).
  webDir?: string;
  ingest: { grpcPort: number; address: string; httpPort: number };
  chatmgmt: { port: number; grpcPort: number };
  fanout: {
    httpPort: number;
    groupId: string;
    deliverTimeoutMs: number;
    breakerFailures: number;
    breakerCooldownMs: number;
    gatewayQueueMax: number;
    deliverBatch: number;
    deadLetterAttempts: number;
    retryBackoffMs: number;
  };
  limits: {
    maxBodyBytes: number;
    maxFrameBytes: number;
    sendsPerSecond: number;
    sendBurst: number;
    userSendsPerSecond: number;
    userSendBurst: number;
    apiPerUser: { perSecond: number; burst: number };
    apiPerIp: { perSecond: number; burst: number };
    apiMaxRequestBytes: number;
    maxChatsPerUser: number;
    maxMembersPerChat: number;
    outboundBufferMessages: number;
    outboundBufferBytes: number;
    maxInFlightPerConnection: number;
    // Per operation kind: one bucket per connection and one per user (on one gateway).
    operations: Record<"typing" | "receipt" | "sync" | "ping", { connection: RateLimit; user: RateLimit }>;
    typingRelayIntervalMs: number;
    maxUnauthenticatedPerIp: number;
    wsConnectRatePerIp: RateLimit;
    ingestDeadlineMs: number;
    ingestBreaker: { failureThreshold: number; openMs: number };
    ingestBatchMaxSends: number;
    maxFramesBeforeHello: number;
    missedHeartbeats: number;
    syncPageDefault: number;
    syncPageMax: number;
    chatsPageDefault: number;
    chatsPageMax: number;
    presenceAnnounceMaxChats: number;
    heartbeatIntervalMs: number;
    authTimeoutMs: number;
    drainTimeoutMs: number;
    presenceTtlMs: number;
    idempotencyTtlMs: number;
    outboxIntervalMs: number;
    outboxBatch: number;
    outboxLeaseMs: number;
    // Sends waiting or running in one ingest replica: per chat, and in total.
    ingestMaxQueuePerChat: number;
    ingestMaxQueued: number;
    // Group commits in flight at once per ingest replica (ADR 0029).
    ingestCommitsInFlight: number;
  };
}

export function toConfig(e: Env, serviceSecret: string): Config {
  return {
    logLevel: e.CHAT_LOG_LEVEL,
    tracing: { mode: e.CHAT_TRACING, otlpEndpoint: e.CHAT_OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: e.CHAT_TRACING_SAMPLE_RATIO },
    serviceSecret,
    host: e.CHAT_HOST,
    eventLog:
      e.CHAT_EVENTLOG === "kafka"
        ? {
            kind: "kafka",
            brokers: e.CHAT_KAFKA_BROKERS,
            clientId: e.CHAT_KAFKA_CLIENT_ID,
            consumer: { sessionTimeoutMs: e.CHAT_KAFKA_SESSION_TIMEOUT_MS, heartbeatIntervalMs: e.CHAT_KAFKA_HEARTBEAT_INTERVAL_MS, rebalanceTimeoutMs: e.CHAT_KAFKA_REBALANCE_TIMEOUT_MS, commitIntervalMs: e.CHAT_KAFKA_COMMIT_INTERVAL_MS },
            producer: { lingerMs: e.CHAT_KAFKA_LINGER_MS, maxBatchRecords: e.CHAT_KAFKA_BATCH_MAX_RECORDS },
            security: kafkaSecurity(e),
          }
        : { kind: "embedded", maxRecordsPerPartition: e.CHAT_EVENTLOG_EMBEDDED_MAX_RECORDS },
    store: {
      kind: e.CHAT_STORE,
      dataDir: e.CHAT_STORE_DATA_DIR,
      cacheMb: e.CHAT_STORE_CACHE_MB,
      commitIntervalMs: e.CHAT_STORE_COMMIT_INTERVAL_MS,
      dynamodb: { endpoint: e.CHAT_DYNAMODB_ENDPOINT, region: e.CHAT_DYNAMODB_REGION, tablePrefix: e.CHAT_DYNAMODB_TABLE_PREFIX },
    },
    presence: e.CHAT_PRESENCE === "redis" ? { kind: "redis", url: e.CHAT_REDIS_URL, keyPrefix: e.CHAT_REDIS_KEY_PREFIX } : { kind: "embedded" },
    membershipCache: { ttlMs: e.CHAT_MEMBERSHIP_CACHE_TTL_MS, maxRows: e.CHAT_MEMBERSHIP_CACHE_MAX_ROWS, maxLagMs: e.CHAT_MEMBERSHIP_CACHE_MAX_LAG_MS },
    identity: {
      issuer: e.CHAT_OIDC_ISSUER,
      audience: e.CHAT_OIDC_AUDIENCE,
      algorithms: e.CHAT_OIDC_ALGORITHMS,
      allowHttp: e.CHAT_OIDC_ALLOW_HTTP,
      devIssuerPort: e.CHAT_DEV_ISSUER_PORT,
    },
    gateway: { port: e.CHAT_GATEWAY_PORT, grpcPort: e.CHAT_GATEWAY_GRPC_PORT, id: e.CHAT_GATEWAY_ID, advertisedAddress: e.CHAT_GATEWAY_ADVERTISED_ADDRESS },
    ...(e.CHAT_WEB_DIR ? { webDir: e.CHAT_WEB_DIR } : {}),
    ingest: { grpcPort: e.CHAT_INGEST_GRPC_PORT, address: e.CHAT_INGEST_ADDRESS, httpPort: e.CHAT_INGEST_HTTP_PORT },
    chatmgmt: { port: e.CHAT_CHATMGMT_PORT, grpcPort: e.CHAT_CHATMGMT_GRPC_PORT },
    fanout: {
      httpPort: e.CHAT_FANOUT_HTTP_PORT,
      groupId: e.CHAT_FANOUT_GROUP_ID,
      deliverTimeoutMs: e.CHAT_FANOUT_DELIVER_TIMEOUT_MS,
      breakerFailures: e.CHAT_FANOUT_BREAKER_FAILURES,
      breakerCooldownMs: e.CHAT_FANOUT_BREAKER_COOLDOWN_MS,
      gatewayQueueMax: e.CHAT_FANOUT_GATEWAY_QUEUE_MAX,
      deliverBatch: e.CHAT_FANOUT_DELIVER_BATCH,
      deadLetterAttempts: e.CHAT_FANOUT_DEAD_LETTER_ATTEMPTS,
      retryBackoffMs: e.CHAT_FANOUT_RETRY_BACKOFF_MS,
    },
    limits: {
      maxBodyBytes: e.CHAT_MAX_BODY_BYTES,
      maxFrameBytes: e.CHAT_MAX_FRAME_BYTES,
      sendsPerSecond: e.CHAT_SENDS_PER_SECOND,
      sendBurst: e.CHAT_SEND_BURST,
      userSendsPerSecond: e.CHAT_USER_SENDS_PER_SECOND,
      userSendBurst: e.CHAT_USER_SEND_BURST,
      apiPerUser: { perSecond: e.CHAT_API_REQUESTS_PER_SECOND_PER_USER, burst: e.CHAT_API_BURST_PER_USER },
      apiPerIp: { perSecond: e.CHAT_API_REQUESTS_PER_SECOND_PER_IP, burst: e.CHAT_API_BURST_PER_IP },
      apiMaxRequestBytes: e.CHAT_API_MAX_REQUEST_BYTES,
      maxChatsPerUser: e.CHAT_MAX_CHATS_PER_USER,
      maxMembersPerChat: e.CHAT_MAX_MEMBERS_PER_CHAT,
      outboundBufferMessages: e.CHAT_OUTBOUND_BUFFER_MESSAGES,
      outboundBufferBytes: e.CHAT_OUTBOUND_BUFFER_BYTES,
      maxInFlightPerConnection: e.CHAT_MAX_IN_FLIGHT_PER_CONNECTION,
      operations: {
        typing: { connection: e.CHAT_TYPING_RATE, user: e.CHAT_USER_TYPING_RATE },
        receipt: { connection: e.CHAT_RECEIPT_RATE, user: e.CHAT_USER_RECEIPT_RATE },
        sync: { connection: e.CHAT_SYNC_RATE, user: e.CHAT_USER_SYNC_RATE },
        ping: { connection: e.CHAT_PING_RATE, user: e.CHAT_USER_PING_RATE },
      },
      typingRelayIntervalMs: e.CHAT_TYPING_RELAY_INTERVAL_MS,
      maxUnauthenticatedPerIp: e.CHAT_MAX_UNAUTHENTICATED_PER_IP,
      wsConnectRatePerIp: e.CHAT_WS_CONNECT_RATE_PER_IP,
      ingestDeadlineMs: e.CHAT_INGEST_DEADLINE_MS,
      ingestBreaker: { failureThreshold: e.CHAT_INGEST_BREAKER_FAILURES, openMs: e.CHAT_INGEST_BREAKER_COOLDOWN_MS },
      ingestBatchMaxSends: e.CHAT_INGEST_BATCH_MAX_SENDS,
      maxFramesBeforeHello: e.CHAT_MAX_FRAMES_BEFORE_HELLO,
      missedHeartbeats: e.CHAT_MISSED_HEARTBEATS,
      syncPageDefault: e.CHAT_SYNC_PAGE_DEFAULT,
      syncPageMax: e.CHAT_SYNC_PAGE_MAX,
      chatsPageDefault: e.CHAT_CHATS_PAGE_DEFAULT,
      chatsPageMax: e.CHAT_CHATS_PAGE_MAX,
      presenceAnnounceMaxChats: e.CHAT_PRESENCE_ANNOUNCE_MAX_CHATS,
      heartbeatIntervalMs: e.CHAT_HEARTBEAT_INTERVAL_MS,
      authTimeoutMs: e.CHAT_AUTH_TIMEOUT_MS,
      drainTimeoutMs: e.CHAT_DRAIN_TIMEOUT_MS,
      presenceTtlMs: e.CHAT_PRESENCE_TTL_MS,
      idempotencyTtlMs: e.CHAT_IDEMPOTENCY_TTL_MS,
      outboxIntervalMs: e.CHAT_OUTBOX_INTERVAL_MS,
      outboxBatch: e.CHAT_OUTBOX_BATCH,
      outboxLeaseMs: e.CHAT_OUTBOX_LEASE_MS,
      ingestMaxQueuePerChat: e.CHAT_INGEST_MAX_QUEUE_PER_CHAT,
      ingestMaxQueued: e.CHAT_INGEST_MAX_QUEUED,
      ingestCommitsInFlight: e.CHAT_INGEST_COMMITS_IN_FLIGHT,
    },
  };
}

function kafkaSecurity(e: Env): KafkaSecurityConfig {
  const base = { ssl: e.CHAT_KAFKA_SSL, ...(e.CHAT_KAFKA_SSL_CA_FILE ? { caFile: e.CHAT_KAFKA_SSL_CA_FILE } : {}) };
  const m = e.CHAT_KAFKA_SASL_MECHANISM;
  if (m === "none") return { ...base, sasl: { mechanism: "none" } };
  if (m === "oauthbearer-msk-iam") return { ...base, sasl: { mechanism: m, region: e.CHAT_KAFKA_AWS_REGION } };
  // loadConfig has already refused SCRAM without both credentials.
  return { ...base, sasl: { mechanism: m, username: e.CHAT_KAFKA_SASL_USERNAME ?? "", password: e.CHAT_KAFKA_SASL_PASSWORD ?? "" } };
}
