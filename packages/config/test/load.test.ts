import { ConfigError, loadConfig } from "../src";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("takes fractional rates (slow limits) and refuses zero, negative and malformed ones", () => {
    const c = loadConfig({ CHAT_SENDS_PER_SECOND: "0.5", CHAT_TYPING_RATE: "0.25:3" });
    expect(c.limits.sendsPerSecond).toBe(0.5);
    expect(c.limits.operations.typing.connection).toEqual({ perSecond: 0.25, burst: 3 });
    for (const bad of ["0", "-1", "abc", "Infinity"]) expect(problemsOf(() => loadConfig({ CHAT_SENDS_PER_SECOND: bad })).join()).toMatch(/CHAT_SENDS_PER_SECOND/);
    for (const bad of ["0:3", "0.000:3", "1:0", "1.2345:2", "1:2.5", "x:1"]) expect(problemsOf(() => loadConfig({ CHAT_TYPING_RATE: bad })).join()).toMatch(/CHAT_TYPING_RATE/);
  });

  it("returns the documented defaults for an empty environment", () => {
    const c = loadConfig({});
    expect(c.logLevel).toBe("info");
    expect(c.host).toBe("127.0.0.1");
    expect(c.eventLog).toEqual({ kind: "embedded", maxRecordsPerPartition: 10_000 });
    expect(c.presence).toEqual({ kind: "embedded" });
    expect(c.store).toEqual({ kind: "embedded", dataDir: ".data/store", cacheMb: 16, commitIntervalMs: 4, dynamodb: { endpoint: undefined, region: "us-east-1", tablePrefix: "chat_" } });
    expect(c.identity).toEqual({
      issuer: undefined,
      audience: "chat-api",
      algorithms: ["RS256", "ES256", "PS256", "EdDSA"],
      allowHttp: false,
      devIssuerPort: 4400,
    });
    expect(c.gateway).toEqual({ port: 8080, grpcPort: 9081, id: undefined, advertisedAddress: undefined });
    expect(c.ingest).toEqual({ grpcPort: 9082, address: "http://127.0.0.1:9082", httpPort: 9085 });
    expect(c.chatmgmt).toEqual({ port: 8081, grpcPort: 9083 });
    expect(c.fanout).toEqual({
      httpPort: 9084,
      groupId: "fanout",
      deliverTimeoutMs: 2000,
      breakerFailures: 3,
      breakerCooldownMs: 5000,
      gatewayQueueMax: 10_000,
      deliverBatch: 128,
      deadLetterAttempts: 3,
      retryBackoffMs: 100,
    });
    // The ADR-009 normative defaults (other limits may exist besides these).
    expect(c.limits).toMatchObject({
      maxBodyBytes: 65536,
      maxFrameBytes: 131072,
      sendsPerSecond: 10,
      sendBurst: 20,
      outboundBufferMessages: 1000,
      ingestDeadlineMs: 5000,
      heartbeatIntervalMs: 30000,
      authTimeoutMs: 5000,
      drainTimeoutMs: 30000,
      presenceTtlMs: 90000,
      idempotencyTtlMs: 86400000,
      outboxIntervalMs: 1000,
      // The constants these replaced (issue 9 point 1): defaults unchanged.
      ingestBreaker: { failureThreshold: 5, openMs: 2000 },
      maxFramesBeforeHello: 32,
      missedHeartbeats: 2,
      syncPageDefault: 50,
      syncPageMax: 100,
      chatsPageDefault: 50,
      chatsPageMax: 100,
      presenceAnnounceMaxChats: 100,
    });
  });

  it("takes the former limit constants and refuses zero, negative, fractional and non-numeric values", () => {
    const c = loadConfig({
      CHAT_INGEST_BREAKER_FAILURES: "7",
      CHAT_INGEST_BREAKER_COOLDOWN_MS: "900",
      CHAT_MAX_FRAMES_BEFORE_HELLO: "4",
      CHAT_MISSED_HEARTBEATS: "3",
      CHAT_SYNC_PAGE_DEFAULT: "10",
      CHAT_SYNC_PAGE_MAX: "20",
      CHAT_CHATS_PAGE_DEFAULT: "5",
      CHAT_CHATS_PAGE_MAX: "6",
      CHAT_PRESENCE_ANNOUNCE_MAX_CHATS: "8",
      CHAT_FANOUT_DELIVER_BATCH: "16",
      CHAT_FANOUT_DEAD_LETTER_ATTEMPTS: "5",
      CHAT_FANOUT_RETRY_BACKOFF_MS: "250",
    });
    expect(c.limits).toMatchObject({
      ingestBreaker: { failureThreshold: 7, openMs: 900 },
      maxFramesBeforeHello: 4,
      missedHeartbeats: 3,
      syncPageDefault: 10,
      syncPageMax: 20,
      chatsPageDefault: 5,
      chatsPageMax: 6,
      presenceAnnounceMaxChats: 8,
    });
    expect(c.fanout).toMatchObject({ deliverBatch: 16, deadLetterAttempts: 5, retryBackoffMs: 250 });
    const names = [
      "CHAT_INGEST_BREAKER_FAILURES",
      "CHAT_INGEST_BREAKER_COOLDOWN_MS",
      "CHAT_MAX_FRAMES_BEFORE_HELLO",
      "CHAT_MISSED_HEARTBEATS",
      "CHAT_SYNC_PAGE_MAX",
      "CHAT_CHATS_PAGE_MAX",
      "CHAT_PRESENCE_ANNOUNCE_MAX_CHATS",
      "CHAT_FANOUT_DELIVER_BATCH",
      "CHAT_FANOUT_DEAD_LETTER_ATTEMPTS",
      "CHAT_FANOUT_RETRY_BACKOFF_MS",
    ];
    for (const name of names) for (const bad of ["0", "-3", "1.5", "ten"]) expect(problemsOf(() => loadConfig({ [name]: bad })).join()).toMatch(new RegExp(`${name}: `));
  });

  describe("CHAT_GATEWAY_ADVERTISED_ADDRESS=auto", () => {
    const nic = (address: string, internal = false) => ({ address, netmask: "255.255.255.0", family: "IPv4" as const, mac: "02:00:00:00:00:01", internal, cidr: `${address}/24` });
    const v6 = { address: "fe80::1", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6" as const, mac: "02:00:00:00:00:01", internal: false, cidr: "fe80::1/64", scopeid: 2 };
    // An ECS awsvpc task: loopback, the ECS agent's link-local interface, then the ENI.
    const task = { lo: [nic("127.0.0.1", true)], "ecs-eth0": [nic("169.254.172.2")], eth0: [v6, nic("10.0.3.17")] };

    it("resolves to the first non-internal, non-link-local IPv4 address and the gRPC port", () => {
      const c = loadConfig({ CHAT_GATEWAY_ADVERTISED_ADDRESS: "auto", CHAT_GATEWAY_GRPC_PORT: "9181" }, {}, { networkInterfaces: task });
      expect(c.gateway.advertisedAddress).toBe("http://10.0.3.17:9181");
    });

    it("satisfies the rule for a standalone gateway bound to 0.0.0.0", () => {
      const c = loadConfig({ CHAT_HOST: "0.0.0.0", CHAT_SERVICE_SECRET: "s".repeat(32), CHAT_GATEWAY_ADVERTISED_ADDRESS: "auto" }, {}, { standalone: "gateway", networkInterfaces: task });
      expect(c.gateway.advertisedAddress).toBe("http://10.0.3.17:9081");
    });

    it("refuses to start when the host has no such address, or the gRPC port is not fixed", () => {
      expect(problemsOf(() => loadConfig({ CHAT_GATEWAY_ADVERTISED_ADDRESS: "auto" }, {}, { networkInterfaces: { lo: [nic("127.0.0.1", true)], eth0: [v6] } }))).toEqual([
        "CHAT_GATEWAY_ADVERTISED_ADDRESS: auto found no non-internal IPv4 address on this host; set the address fanout should dial (host:port)",
      ]);
      expect(problemsOf(() => loadConfig({ CHAT_GATEWAY_ADVERTISED_ADDRESS: "auto", CHAT_GATEWAY_GRPC_PORT: "0" }, {}, { networkInterfaces: task }))).toEqual([
        "CHAT_GATEWAY_ADVERTISED_ADDRESS: auto needs a fixed CHAT_GATEWAY_GRPC_PORT, not 0",
      ]);
    });

    it("leaves an explicit address as it is", () => {
      expect(loadConfig({ CHAT_GATEWAY_ADVERTISED_ADDRESS: "10.1.1.1:9081" }, {}, { networkInterfaces: task }).gateway.advertisedAddress).toBe("10.1.1.1:9081");
    });
  });

  it("refuses a default page size above the maximum", () => {
    expect(problemsOf(() => loadConfig({ CHAT_SYNC_PAGE_MAX: "20" }))).toEqual(["CHAT_SYNC_PAGE_DEFAULT: must not exceed CHAT_SYNC_PAGE_MAX"]);
    expect(problemsOf(() => loadConfig({ CHAT_CHATS_PAGE_DEFAULT: "101" }))).toEqual(["CHAT_CHATS_PAGE_DEFAULT: must not exceed CHAT_CHATS_PAGE_MAX"]);
  });

  it("ignores variables without the CHAT_ prefix and empty CHAT_ values", () => {
    const c = loadConfig({ PATH: "/usr/bin", HOME: "/root", CHAT_GATEWAY_PORT: "", NODE_ENV: "test" });
    expect(c.gateway.port).toBe(8080);
  });

  it("ignores CHAT_INFRA_* variables (they belong to the infra scripts)", () => {
    expect(loadConfig({ CHAT_INFRA_CACHE_DIR: "/tmp/x" }).gateway.port).toBe(8080);
  });

  it("rejects an unknown CHAT_ variable, naming it", () => {
    const problems = problemsOf(() => loadConfig({ CHAT_GATEWAY_PROT: "9000" }));
    expect(problems).toEqual(["unknown variable(s): CHAT_GATEWAY_PROT"]);
    expect(() => loadConfig({ CHAT_GATEWAY_PROT: "9000" })).toThrow(/invalid configuration:[\s\S]*unknown variable\(s\): CHAT_GATEWAY_PROT/);
  });

  it("rejects an unknown variable given as an override too", () => {
    expect(problemsOf(() => loadConfig({}, { CHAT_NOPE: "1" }))).toEqual(["unknown variable(s): CHAT_NOPE"]);
  });

  it.each(["70000", "-1", "abc", "80.5"])("rejects the invalid port %j, naming the variable", (value) => {
    const problems = problemsOf(() => loadConfig({ CHAT_GATEWAY_PORT: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CHAT_GATEWAY_PORT: /);
  });

  it("accepts port bounds and coerces ports to numbers", () => {
    expect(loadConfig({ CHAT_GATEWAY_PORT: "0" }).gateway.port).toBe(0);
    expect(loadConfig({ CHAT_GATEWAY_PORT: "65535" }).gateway.port).toBe(65535);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(() => loadConfig({ CHAT_INGEST_GRPC_PORT: "99999", CHAT_LOG_LEVEL: "loud", CHAT_SEND_BURST: "0" }));
    expect(problems).toHaveLength(3);
    expect(problems.some((p) => p.startsWith("CHAT_INGEST_GRPC_PORT: "))).toBe(true);
    expect(problems.some((p) => p.startsWith("CHAT_LOG_LEVEL: "))).toBe(true);
    expect(problems.some((p) => p.startsWith("CHAT_SEND_BURST: "))).toBe(true);
  });

  it("rejects an http:// issuer unless CHAT_OIDC_ALLOW_HTTP is set", () => {
    const problems = problemsOf(() => loadConfig({ CHAT_OIDC_ISSUER: "http://issuer.local:4400" }));
    expect(problems).toEqual(["CHAT_OIDC_ISSUER uses http:// but CHAT_OIDC_ALLOW_HTTP is not true"]);
    expect(problemsOf(() => loadConfig({ CHAT_OIDC_ISSUER: "http://issuer.local", CHAT_OIDC_ALLOW_HTTP: "false" }))).toHaveLength(1);
  });

  // URL schemes are case-insensitive (RFC 3986 §3.1): "HTTP://" is plain http as well.
  it.each(["HTTP://issuer.local", "Http://issuer.local"])("rejects the plain-http issuer %j without CHAT_OIDC_ALLOW_HTTP", (issuer) => {
    expect(problemsOf(() => loadConfig({ CHAT_OIDC_ISSUER: issuer }))).toEqual(["CHAT_OIDC_ISSUER uses http:// but CHAT_OIDC_ALLOW_HTTP is not true"]);
  });

  it.each(["true", "1"])("accepts an http:// issuer with CHAT_OIDC_ALLOW_HTTP=%s", (flag) => {
    const c = loadConfig({ CHAT_OIDC_ISSUER: "http://127.0.0.1:4400", CHAT_OIDC_ALLOW_HTTP: flag });
    expect(c.identity.issuer).toBe("http://127.0.0.1:4400");
    expect(c.identity.allowHttp).toBe(true);
  });

  it("accepts an https:// issuer without the flag", () => {
    expect(loadConfig({ CHAT_OIDC_ISSUER: "https://login.example.com/realms/chat" }).identity.issuer).toBe("https://login.example.com/realms/chat");
  });

  it("rejects a non-URL issuer and a non-boolean flag", () => {
    expect(problemsOf(() => loadConfig({ CHAT_OIDC_ISSUER: "not a url" }))[0]).toMatch(/^CHAT_OIDC_ISSUER: /);
    expect(problemsOf(() => loadConfig({ CHAT_OIDC_ALLOW_HTTP: "yes" }))[0]).toMatch(/^CHAT_OIDC_ALLOW_HTTP: /);
  });

  it("selects kafka with its brokers list and client id", () => {
    const c = loadConfig({ CHAT_EVENTLOG: "kafka", CHAT_KAFKA_BROKERS: "k1:9092, k2:9092,,k3:9092 ", CHAT_KAFKA_CLIENT_ID: "gw" });
    expect(c.eventLog).toEqual({ kind: "kafka", brokers: ["k1:9092", "k2:9092", "k3:9092"], clientId: "gw", consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 3000, commitIntervalMs: 1000 }, producer: { lingerMs: 10, maxBatchRecords: 1000 }, security: { ssl: false, sasl: { mechanism: "none" } } });
  });

  it("selects kafka with default brokers", () => {
    expect(loadConfig({ CHAT_EVENTLOG: "kafka" }).eventLog).toEqual({
      kind: "kafka",
      brokers: ["127.0.0.1:9092"],
      clientId: "chat",
      consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 3000, commitIntervalMs: 1000 },
      producer: { lingerMs: 10, maxBatchRecords: 1000 },
      security: { ssl: false, sasl: { mechanism: "none" } },
    });
  });

  it("takes the membership cache's TTL (0 = off), row bound and lag bound; refuses bad values", () => {
    expect(loadConfig({}).membershipCache).toEqual({ ttlMs: 60_000, maxRows: 100_000, maxLagMs: 5000 });
    expect(loadConfig({ CHAT_MEMBERSHIP_CACHE_TTL_MS: "60000" }).membershipCache.ttlMs).toBe(60_000);
    expect(loadConfig({ CHAT_MEMBERSHIP_CACHE_TTL_MS: "0", CHAT_MEMBERSHIP_CACHE_MAX_ROWS: "10", CHAT_MEMBERSHIP_CACHE_MAX_LAG_MS: "100" }).membershipCache).toEqual({ ttlMs: 0, maxRows: 10, maxLagMs: 100 });
    expect(problemsOf(() => loadConfig({ CHAT_MEMBERSHIP_CACHE_TTL_MS: "-5" }))[0]).toMatch(/^CHAT_MEMBERSHIP_CACHE_TTL_MS: /);
    expect(problemsOf(() => loadConfig({ CHAT_MEMBERSHIP_CACHE_MAX_ROWS: "0" }))[0]).toMatch(/^CHAT_MEMBERSHIP_CACHE_MAX_ROWS: /);
    expect(problemsOf(() => loadConfig({ CHAT_MEMBERSHIP_CACHE_MAX_LAG_MS: "x" }))[0]).toMatch(/^CHAT_MEMBERSHIP_CACHE_MAX_LAG_MS: /);
  });

  it("takes the producer's linger and batch size and refuses values out of range", () => {
    expect(loadConfig({ CHAT_EVENTLOG: "kafka", CHAT_KAFKA_LINGER_MS: "0", CHAT_KAFKA_BATCH_MAX_RECORDS: "50" }).eventLog).toMatchObject({ producer: { lingerMs: 0, maxBatchRecords: 50 } });
    expect(problemsOf(() => loadConfig({ CHAT_KAFKA_LINGER_MS: "-1" }))[0]).toMatch(/^CHAT_KAFKA_LINGER_MS: /);
    expect(problemsOf(() => loadConfig({ CHAT_KAFKA_LINGER_MS: "2.5" }))[0]).toMatch(/^CHAT_KAFKA_LINGER_MS: /);
    expect(problemsOf(() => loadConfig({ CHAT_KAFKA_LINGER_MS: "5000" }))[0]).toMatch(/^CHAT_KAFKA_LINGER_MS: /);
    expect(problemsOf(() => loadConfig({ CHAT_KAFKA_BATCH_MAX_RECORDS: "0" }))[0]).toMatch(/^CHAT_KAFKA_BATCH_MAX_RECORDS: /);
  });

  it("takes the embedded store's cache size and refuses values out of range", () => {
    expect(loadConfig({}).store.cacheMb).toBe(16);
    expect(loadConfig({ CHAT_STORE_CACHE_MB: "64" }).store.cacheMb).toBe(64);
    for (const bad of ["0", "-1", "2.5", "5000", "lots"]) expect(problemsOf(() => loadConfig({ CHAT_STORE_CACHE_MB: bad }))[0]).toMatch(/^CHAT_STORE_CACHE_MB: /);
  });

  it("takes the embedded store's commit interval and refuses values out of range", () => {
    expect(loadConfig({ CHAT_STORE_COMMIT_INTERVAL_MS: "0" }).store.commitIntervalMs).toBe(0);
    expect(loadConfig({ CHAT_STORE_COMMIT_INTERVAL_MS: "10" }).store.commitIntervalMs).toBe(10);
    for (const bad of ["-1", "2.5", "101", "soon"]) expect(problemsOf(() => loadConfig({ CHAT_STORE_COMMIT_INTERVAL_MS: bad }))[0]).toMatch(/^CHAT_STORE_COMMIT_INTERVAL_MS: /);
  });

  it("takes the consumer group timing and refuses a heartbeat interval not below the session timeout", () => {
    const c = loadConfig({ CHAT_EVENTLOG: "kafka", CHAT_KAFKA_SESSION_TIMEOUT_MS: "6000", CHAT_KAFKA_HEARTBEAT_INTERVAL_MS: "2000", CHAT_KAFKA_REBALANCE_TIMEOUT_MS: "9000" });
    expect(c.eventLog).toMatchObject({ consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 2000, rebalanceTimeoutMs: 9000 } });
    expect(problemsOf(() => loadConfig({ CHAT_KAFKA_SESSION_TIMEOUT_MS: "3000", CHAT_KAFKA_HEARTBEAT_INTERVAL_MS: "3000" }))[0]).toMatch(/^CHAT_KAFKA_HEARTBEAT_INTERVAL_MS: must be lower/);
    expect(problemsOf(() => loadConfig({ CHAT_KAFKA_SESSION_TIMEOUT_MS: "500" }))[0]).toMatch(/^CHAT_KAFKA_SESSION_TIMEOUT_MS: /);
  });

  it("takes the fanout delivery settings and refuses non-positive ones", () => {
    const c = loadConfig({ CHAT_FANOUT_DELIVER_TIMEOUT_MS: "800", CHAT_FANOUT_BREAKER_FAILURES: "2", CHAT_FANOUT_BREAKER_COOLDOWN_MS: "3000", CHAT_FANOUT_GATEWAY_QUEUE_MAX: "50" });
    expect(c.fanout).toMatchObject({ deliverTimeoutMs: 800, breakerFailures: 2, breakerCooldownMs: 3000, gatewayQueueMax: 50 });
    for (const name of ["CHAT_FANOUT_DELIVER_TIMEOUT_MS", "CHAT_FANOUT_BREAKER_FAILURES", "CHAT_FANOUT_BREAKER_COOLDOWN_MS", "CHAT_FANOUT_GATEWAY_QUEUE_MAX"]) {
      expect(problemsOf(() => loadConfig({ [name]: "0" }))[0]).toMatch(new RegExp(`^${name}: `));
    }
  });

  it("keeps kafka settings out of the embedded event log shape", () => {
    expect(loadConfig({ CHAT_KAFKA_BROKERS: "k1:9092" }).eventLog).toEqual({ kind: "embedded", maxRecordsPerPartition: 10_000 });
  });

  it("selects dynamodb with endpoint, region and table prefix", () => {
    const c = loadConfig({
      CHAT_STORE: "dynamodb",
      CHAT_DYNAMODB_ENDPOINT: "http://localhost:8000",
      CHAT_DYNAMODB_REGION: "eu-central-1",
      CHAT_DYNAMODB_TABLE_PREFIX: "prod_",
    });
    expect(c.store).toEqual({ kind: "dynamodb", dataDir: ".data/store", cacheMb: 16, commitIntervalMs: 4, dynamodb: { endpoint: "http://localhost:8000", region: "eu-central-1", tablePrefix: "prod_" } });
  });

  it("rejects a dynamodb table prefix with illegal characters and an unknown store kind", () => {
    expect(problemsOf(() => loadConfig({ CHAT_DYNAMODB_TABLE_PREFIX: "a b" }))[0]).toMatch(/^CHAT_DYNAMODB_TABLE_PREFIX: /);
    expect(problemsOf(() => loadConfig({ CHAT_STORE: "postgres" }))[0]).toMatch(/^CHAT_STORE: /);
  });

  it("selects redis with url and key prefix", () => {
    const c = loadConfig({ CHAT_PRESENCE: "redis", CHAT_REDIS_URL: "redis://cache:6379/2", CHAT_REDIS_KEY_PREFIX: "x:" });
    expect(c.presence).toEqual({ kind: "redis", url: "redis://cache:6379/2", keyPrefix: "x:" });
  });

  it("selects redis with defaults", () => {
    expect(loadConfig({ CHAT_PRESENCE: "redis" }).presence).toEqual({ kind: "redis", url: "redis://127.0.0.1:6379", keyPrefix: "chat:" });
  });

  it("lets overrides win over the environment", () => {
    const c = loadConfig({ CHAT_GATEWAY_PORT: "1111", CHAT_STORE_DATA_DIR: "/env" }, { CHAT_GATEWAY_PORT: "2222" });
    expect(c.gateway.port).toBe(2222);
    expect(c.store.dataDir).toBe("/env");
  });

  it("lets an override fix an otherwise invalid environment value", () => {
    expect(loadConfig({ CHAT_GATEWAY_PORT: "nope" }, { CHAT_GATEWAY_PORT: "8088" }).gateway.port).toBe(8088);
  });

  it("applies numeric limits from the environment", () => {
    const c = loadConfig({ CHAT_MAX_BODY_BYTES: "1024", CHAT_SENDS_PER_SECOND: "3", CHAT_SEND_BURST: "6" });
    expect(c.limits).toMatchObject({ maxBodyBytes: 1024, sendsPerSecond: 3, sendBurst: 6 });
  });

  describe("service secret and bind address (issue 10 item 6)", () => {
    it.each(["gateway", "ingest", "fanout", "chatmgmt"])("a standalone %s refuses to start without CHAT_SERVICE_SECRET", (service) => {
      const problems = problemsOf(() => loadConfig({}, {}, { standalone: service }));
      expect(problems).toEqual([expect.stringMatching(/^CHAT_SERVICE_SECRET: required/)]);
    });

    it("has no compiled default secret: the old public default is not special", () => {
      const a = loadConfig({});
      const b = loadConfig({});
      expect(a.serviceSecret).not.toBe("dev-service-secret-change-me");
      // All-in-one: a fresh random secret per process.
      expect(a.serviceSecret.length).toBeGreaterThanOrEqual(32);
      expect(a.serviceSecret).not.toBe(b.serviceSecret);
    });

    it("a standalone service takes the configured secret", () => {
      expect(loadConfig({ CHAT_SERVICE_SECRET: "s".repeat(16) }, {}, { standalone: "ingest" }).serviceSecret).toBe("s".repeat(16));
    });

    it.each(["0.0.0.0", "::", "[::]"])("a standalone gateway bound to %s needs CHAT_GATEWAY_ADVERTISED_ADDRESS", (host) => {
      const env = { CHAT_SERVICE_SECRET: "s".repeat(16), CHAT_HOST: host };
      expect(problemsOf(() => loadConfig(env, {}, { standalone: "gateway" }))).toEqual([expect.stringMatching(/^CHAT_GATEWAY_ADVERTISED_ADDRESS: /)]);
      expect(loadConfig({ ...env, CHAT_GATEWAY_ADVERTISED_ADDRESS: "http://gw-1:9081" }, {}, { standalone: "gateway" }).gateway.advertisedAddress).toBe("http://gw-1:9081");
      // Other services are dialled through configured addresses, not through their bind address.
      expect(() => loadConfig(env, {}, { standalone: "ingest" })).not.toThrow();
    });
  });

  it("rejects a too-short service secret", () => {
    expect(problemsOf(() => loadConfig({ CHAT_SERVICE_SECRET: "short" }))[0]).toMatch(/^CHAT_SERVICE_SECRET: /);
  });

  it("reads process.env by default", () => {
    const saved = process.env.CHAT_FANOUT_GROUP_ID;
    process.env.CHAT_FANOUT_GROUP_ID = "from-process-env";
    try {
      expect(loadConfig().fanout.groupId).toBe("from-process-env");
    } finally {
      if (saved === undefined) delete process.env.CHAT_FANOUT_GROUP_ID;
      else process.env.CHAT_FANOUT_GROUP_ID = saved;
    }
  });
});

describe("config sources in all-in-one", () => {
  it("refuses CHAT_SSM_PREFIX / CHAT_SECRETS_MANAGER_SECRET_ID instead of silently not reading them", () => {
    expect(() => loadConfig({ CHAT_SSM_PREFIX: "/chat/prod/" })).toThrow(/only standalone services read SSM or Secrets Manager/);
    expect(() => loadConfig({ CHAT_SECRETS_MANAGER_SECRET_ID: "chat/prod" })).toThrow(/only standalone services read SSM or Secrets Manager/);
  });
  it("checks the source variables' shape", () => {
    expect(() => loadConfig({ CHAT_SSM_PREFIX: "chat/prod" })).toThrow(/CHAT_SSM_PREFIX: expected an SSM path/);
    expect(() => loadConfig({ CHAT_AWS_REGION: "mars" })).toThrow(/CHAT_AWS_REGION: expected an AWS region/);
  });
});
