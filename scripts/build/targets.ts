// The deployables: what `make build` bundles, what each image runs and probes. The Dockerfile,
// compose and Terraform tests (tests/deploy) check their files against this table, and every
// port here is a CHAT_* variable of packages/config with the same default.
export interface BuildTarget {
  entry: string;
  packageJson: string;
  // The port whose path the container health check and the load balancer probe.
  health?: { env: string; port: number; path: string };
  ports?: Record<string, number>;
}

export const TARGETS: Record<string, BuildTarget> = {
  gateway: {
    entry: "services/gateway/src/main.ts",
    packageJson: "services/gateway/package.json",
    health: { env: "CHAT_GATEWAY_PORT", port: 8080, path: "/health" },
    ports: { CHAT_GATEWAY_PORT: 8080, CHAT_GATEWAY_GRPC_PORT: 9081 },
  },
  ingest: {
    entry: "services/ingest/src/main.ts",
    packageJson: "services/ingest/package.json",
    health: { env: "CHAT_INGEST_HTTP_PORT", port: 9085, path: "/health" },
    ports: { CHAT_INGEST_HTTP_PORT: 9085, CHAT_INGEST_GRPC_PORT: 9082 },
  },
  fanout: {
    entry: "services/fanout/src/main.ts",
    packageJson: "services/fanout/package.json",
    health: { env: "CHAT_FANOUT_HTTP_PORT", port: 9084, path: "/health" },
    ports: { CHAT_FANOUT_HTTP_PORT: 9084 },
  },
  chatmgmt: {
    entry: "services/chatmgmt/src/main.ts",
    packageJson: "services/chatmgmt/package.json",
    health: { env: "CHAT_CHATMGMT_PORT", port: 8081, path: "/health" },
    ports: { CHAT_CHATMGMT_PORT: 8081, CHAT_CHATMGMT_GRPC_PORT: 9083 },
  },
  "dev-issuer": {
    entry: "packages/wiring/src/dev-issuer-cli.ts",
    packageJson: "packages/identity/package.json",
    health: { env: "CHAT_DEV_ISSUER_PORT", port: 4400, path: "/.well-known/openid-configuration" },
    ports: { CHAT_DEV_ISSUER_PORT: 4400 },
  },
  "all-in-one": {
    entry: "packages/all-in-one/src/main.ts",
    packageJson: "packages/all-in-one/package.json",
    health: { env: "CHAT_GATEWAY_PORT", port: 8080, path: "/health" },
    ports: { CHAT_GATEWAY_PORT: 8080, CHAT_CHATMGMT_PORT: 8081, CHAT_DEV_ISSUER_PORT: 4400 },
  },
  // Creates tables and topics (compose's init step, a one-off ECS task); no port.
  bootstrap: {
    entry: "packages/wiring/src/bootstrap-cli.ts",
    packageJson: "packages/wiring/package.json",
  },
};

// The four services of the blueprint (each an ECS service, a compose service and an image).
export const SERVICES = ["gateway", "ingest", "fanout", "chatmgmt"] as const;
export type ServiceName = (typeof SERVICES)[number];
