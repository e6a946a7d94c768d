import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadConfig } from "@chat/config";
import { TARGETS, SERVICES } from "../../scripts/build/targets";
import { imageEnv } from "./support/dockerfile-env";
import { repoPath } from "./support/repo";

// docker-compose.yaml cannot be started here (no Docker engine), so it is checked against the
// code instead: each chat container's environment (image ENV + compose) must load with the real
// config loader, ports and health checks must be the ones the services listen on, start-up must
// be gated on health, and tables and topics must come from the code's bootstrap command.

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
}

const compose = parse(readFileSync(repoPath("docker-compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

// Compose's ${VAR:-default}: the tests use the defaults, never the caller's shell.
function interpolate(env: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1")]));
}

// What the process in the container sees.
function containerEnv(name: string): Record<string, string> {
  return { ...imageEnv(name), ...interpolate(services[name].environment) };
}

const CHAT_CONTAINERS = [...SERVICES, "dev-issuer", "bootstrap"];

test("the stack has the infrastructure, the issuer, the bootstrap job, the four services and the TLS proxy", () => {
  expect(Object.keys(services).sort()).toEqual([...CHAT_CONTAINERS, "redpanda", "dynamodb", "redis", "proxy"].sort());
});

test("third-party images are pinned to exact versions", () => {
  for (const name of ["redpanda", "dynamodb", "redis", "proxy"]) expect(services[name].image).toMatch(/:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/);
});

describe.each(CHAT_CONTAINERS)("compose service %s", (name) => {
  const svc = services[name];

  test("builds its own Dockerfile from the repository root", () => {
    expect(svc.build).toEqual({ context: ".", dockerfile: `docker/${name}.Dockerfile` });
    expect(existsSync(repoPath(svc.build!.dockerfile))).toBe(true);
  });

  test("its environment loads with the services' own config loader, on the real adapters", () => {
    // With the standalone rules: a service secret must be set, a wildcard-bound gateway advertises.
    const config = loadConfig(containerEnv(name), {}, { standalone: name });
    expect(config.eventLog).toMatchObject({ kind: "kafka", brokers: ["redpanda:9092"] });
    expect(config.store).toMatchObject({ kind: "dynamodb", dynamodb: { endpoint: "http://dynamodb:8000" } });
    expect(config.presence).toMatchObject({ kind: "redis", url: "redis://redis:6379" });
    expect(config.identity.issuer).toBe("http://dev-issuer:4400");
  });

  test("its health check is the image's own, on the port the service listens on", () => {
    const spec = TARGETS[name];
    if (!spec.health) return expect(svc.healthcheck).toBeUndefined();
    const h = spec.health;
    expect(svc.healthcheck!.test).toEqual(["CMD", "node", "/app/healthcheck.mjs", h.env, String(h.port), h.path]);
    // The port the probe uses is the one the service binds with this environment.
    const env = containerEnv(name);
    expect(Number(env[h.env] ?? h.port)).toBe(h.port);
  });

  test("starts only after its dependencies are healthy (or, for bootstrap, finished)", () => {
    for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
      expect(services[dep]).toBeDefined();
      if (dep === "bootstrap") expect(condition).toBe("service_completed_successfully");
      else {
        expect(condition).toBe("service_healthy");
        expect(services[dep].healthcheck).toBeDefined();
      }
    }
  });
});

test("every chat service waits for the bootstrap job, which creates the code's tables and topics", () => {
  for (const s of SERVICES) expect(services[s].depends_on?.bootstrap).toEqual({ condition: "service_completed_successfully" });
  // The bootstrap image runs packages/wiring/src/bootstrap-cli.ts: tables from TABLE_SCHEMAS and
  // topics from ALL_TOPICS (partition counts of packages/domain/src/topics.ts), nothing typed here.
  expect(TARGETS.bootstrap.entry).toBe("packages/wiring/src/bootstrap-cli.ts");
  const cli = readFileSync(repoPath(TARGETS.bootstrap.entry), "utf8");
  expect(cli).toContain("store.bootstrap()");
  expect(cli).toContain("ensureTopics(ALL_TOPICS)");
  // ...on the same cluster, endpoint and table prefix the services use.
  const boot = loadConfig(containerEnv("bootstrap"));
  for (const s of SERVICES) {
    const c = loadConfig(containerEnv(s));
    expect(c.store.dynamodb).toEqual(boot.store.dynamodb);
    expect(c.eventLog).toEqual(boot.eventLog);
  }
  // No second, hand-typed topic list (rpk topic create ...) anywhere in the file.
  expect(readFileSync(repoPath("docker-compose.yaml"), "utf8")).not.toMatch(/rpk\s+topic\s+create/);
});

test("services reach each other on the ports they listen on", () => {
  const gateway = loadConfig(containerEnv("gateway"));
  const ingest = loadConfig(containerEnv("ingest"));
  expect(gateway.ingest.address).toBe(`http://ingest:${ingest.ingest.grpcPort}`);
  // Fanout dials the gateway at its advertised address: its compose name and its gRPC port.
  expect(gateway.gateway.advertisedAddress).toBe(`gateway:${gateway.gateway.grpcPort}`);
  // Only the proxy and the issuer's token endpoint are published, on loopback.
  const published = Object.entries(services).flatMap(([n, s]) => (s.ports ?? []).map((p) => `${n} ${p}`));
  expect(published.sort()).toEqual(["dev-issuer 127.0.0.1:4400:4400", "proxy 127.0.0.1:8443:8443"]);
});

test("services get longer to stop than their drain takes (SIGTERM, then SIGKILL)", () => {
  for (const s of SERVICES) {
    const drainMs = loadConfig(containerEnv(s)).limits.drainTimeoutMs;
    expect(Number(services[s].stop_grace_period!.replace(/s$/, "")) * 1000).toBeGreaterThan(drainMs);
  }
});

test("the TLS proxy routes like the ALB: /ws/ to the gateway's port, /api/v1/ to chatmgmt's", () => {
  const proxy = services.proxy;
  const template = readFileSync(repoPath("docker/nginx/chat.conf.template"), "utf8");
  expect(proxy.volumes).toContain("./docker/nginx/chat.conf.template:/etc/nginx/templates/default.conf.template:ro");
  const upstreamOf = (location: string) => {
    const block = template.match(new RegExp(`location ${location.replace(/\//g, "\\/")} \\{([\\s\\S]*?)\\n    \\}`))![1];
    const upstream = block.match(/proxy_pass http:\/\/(\w+);/)![1];
    const variable = template.match(new RegExp(`upstream ${upstream} \\{\\s*server \\$\\{(\\w+)\\};`))![1];
    return { block, target: proxy.environment![variable] };
  };
  const gateway = loadConfig(containerEnv("gateway"));
  const chatmgmt = loadConfig(containerEnv("chatmgmt"));
  const ws = upstreamOf("/ws/");
  expect(ws.target).toBe(`gateway:${gateway.gateway.port}`);
  expect(ws.block).toMatch(/proxy_set_header Upgrade\s+\$http_upgrade;/);
  expect(upstreamOf("/api/v1/").target).toBe(`chatmgmt:${chatmgmt.chatmgmt.port}`);
  // Every ${VARIABLE} of the template is set for the proxy, so nothing is left unexpanded.
  const variables = new Set([...template.replace(/^#.*$/gm, "").matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
  expect([...variables].sort()).toEqual(Object.keys(proxy.environment!).sort());
  // The certificate directory is the one `make up` fills.
  expect(proxy.volumes).toContain(`./.data/tls:${proxy.environment!.TLS_DIR}:ro`);
  expect(readFileSync(repoPath("Makefile"), "utf8")).toMatch(/scripts\/tls\/self-signed\.sh \.data\/tls/);
});
