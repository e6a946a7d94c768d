import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { loadConfig } from "@chat/config";
import { ALL_TOPICS } from "@chat/domain";
import { TABLES, TABLE_SCHEMAS, TTL_ATTRIBUTES, MEMBERS_BY_USER_INDEX } from "../../packages/store/src/dynamodb/tables";
import { envSchema } from "../../packages/config/src/schema";
import { SERVICES, TARGETS } from "../../scripts/build/targets";
import { repoPath } from "./support/repo";

// Terraform cannot plan here (the AWS provider is not downloadable), so every .tf file is
// parsed with a real HCL parser and checked against the code: the tables against what
// packages/store bootstraps, the topics against packages/domain, the services against their
// ports and probes and seed 002 Part 10's sizes.

type Json = Record<string, any>;

function tfFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f.startsWith(".")) return [];
    return statSync(p).isDirectory() ? tfFiles(p) : f.endsWith(".tf") ? [p] : [];
  });
}

const files = tfFiles(repoPath("terraform"));
const parsed = new Map<string, Json>();
const tf = (path: string) => parsed.get(repoPath("terraform", path))!;
const locals = (path: string): Json => Object.assign({}, ...(tf(path).locals ?? []));

beforeAll(async () => {
  for (const f of files) parsed.set(f, (await parse(f, readFileSync(f, "utf8"))) as Json);
});

// Seed 002 Part 10.1 / 10.2: the specification itself, not a copy of code.
const PART_10 = {
  gateway: { cpu: 512, memory: 1024, min_tasks: 2, max_tasks: 10, interval: 10 },
  ingest: { cpu: 256, memory: 512, min_tasks: 2, max_tasks: 8, interval: 10 },
  fanout: { cpu: 256, memory: 512, min_tasks: 2, max_tasks: 8, interval: 15 },
  chatmgmt: { cpu: 256, memory: 512, min_tasks: 2, max_tasks: 4, interval: 10 },
};

test("the layout is the blueprint's: five modules, the stack that composes them, and two environments", () => {
  const dirs = new Set(files.map((f) => relative(repoPath("terraform"), f).split("/").slice(0, 2).join("/")));
  expect([...dirs].sort()).toEqual(
    ["environments/dev", "environments/prod", "modules/chat-stack", "modules/dynamodb", "modules/ecs-service", "modules/elasticache", "modules/msk-serverless", "modules/networking"].sort(),
  );
});

test("terraform fmt -check passes (where the terraform binary exists)", () => {
  const probe = spawnSync("terraform", ["version"], { encoding: "utf8" });
  if (probe.error) {
    console.log("terraform is not installed here: fmt -check skipped (the HCL checks below still ran)");
    return;
  }
  const r = spawnSync("terraform", ["fmt", "-check", "-recursive", "-diff", repoPath("terraform")], { encoding: "utf8" });
  expect({ status: r.status, diff: r.stdout }).toEqual({ status: 0, diff: "" });
});

describe("modules/dynamodb", () => {
  const tables = () => tf("modules/dynamodb/main.tf").resource.aws_dynamodb_table as Record<string, Json[]>;

  test("declares exactly the tables packages/store bootstraps, named with the shared prefix", () => {
    expect(Object.keys(tables()).sort()).toEqual([...TABLES].sort());
    for (const [key, [t]] of Object.entries(tables())) {
      expect(t.name).toBe(`\${var.table_prefix}${key}`);
      expect(t.billing_mode).toBe("PAY_PER_REQUEST");
    }
  });

  test.each([...TABLES])("table %s has the code's keys, attribute types, indexes and TTL", (key) => {
    const [t] = tables()[key];
    const schema = TABLE_SCHEMAS[key];
    const keyOf = (type: string) => schema.KeySchema!.find((k) => k.KeyType === type)?.AttributeName;
    expect(t.hash_key).toBe(keyOf("HASH"));
    expect(t.range_key).toBe(keyOf("RANGE"));
    expect(Object.fromEntries(t.attribute.map((a: Json) => [a.name, a.type]))).toEqual(Object.fromEntries(schema.AttributeDefinitions!.map((a) => [a.AttributeName, a.AttributeType])));
    const gsis = (t.global_secondary_index ?? []).map((g: Json) => ({ name: g.name, hash: g.hash_key, range: g.range_key, projection: g.projection_type }));
    expect(gsis).toEqual(
      (schema.GlobalSecondaryIndexes ?? []).map((g) => ({
        name: g.IndexName,
        hash: g.KeySchema!.find((k) => k.KeyType === "HASH")!.AttributeName,
        range: g.KeySchema!.find((k) => k.KeyType === "RANGE")?.AttributeName,
        projection: g.Projection!.ProjectionType,
      })),
    );
    const ttl = TTL_ATTRIBUTES[key];
    expect(t.ttl ?? []).toEqual(ttl ? [{ attribute_name: ttl, enabled: true }] : []);
  });

  test("the by-user index the chat list queries exists", () => {
    expect(tables().members[0].global_secondary_index[0].name).toBe(MEMBERS_BY_USER_INDEX);
  });
});

test("modules/msk-serverless: IAM authentication, and exactly the code's topics with their partition counts", () => {
  const cluster = tf("modules/msk-serverless/main.tf").resource.aws_msk_serverless_cluster.this[0];
  expect(cluster.client_authentication[0].sasl[0].iam[0].enabled).toBe(true);
  const topics = locals("modules/msk-serverless/topics/main.tf").topics as Record<string, { partitions: number }>;
  expect(Object.fromEntries(Object.entries(topics).map(([n, t]) => [n, t.partitions]))).toEqual(Object.fromEntries(ALL_TOPICS.map((t) => [t.name, t.partitions])));
  const resource = tf("modules/msk-serverless/topics/main.tf").resource.kafka_topic.this[0];
  expect(resource).toMatchObject({ for_each: "${local.topics}", partitions: "${each.value.partitions}", replication_factor: 3 });
});

test("dev and prod deploy the same stack: only settings.tf differs", () => {
  for (const f of ["main.tf", "variables.tf", "versions.tf", "outputs.tf"]) {
    expect({ f, same: readFileSync(repoPath("terraform/environments/dev", f), "utf8") === readFileSync(repoPath("terraform/environments/prod", f), "utf8") }).toEqual({ f, same: true });
  }
  // Every setting reaches the stack, and the stack asks for nothing an environment does not give.
  const call = tf("environments/dev/main.tf").module.chat[0] as Json;
  expect(call.source).toBe("../../modules/chat-stack");
  const given = Object.keys(call).filter((k) => k !== "source").sort();
  expect(given).toEqual(Object.keys(tf("modules/chat-stack/variables.tf").variable).sort());
  for (const k of Object.keys(locals("environments/dev/settings.tf"))) expect({ k, value: call[k] }).toEqual({ k, value: `\${local.${k}}` });
});

describe.each(["dev", "prod"])("environments/%s", (env) => {
  // The stack is shared; what an environment changes is its settings.tf, handed over as variables.
  const main = () => locals("modules/chat-stack/main.tf");
  const settings = () => locals(`environments/${env}/settings.tf`);

  test("runs the four services with Part 10's CPU, memory, task counts and probe intervals", () => {
    const services = main().services as Json;
    expect(Object.keys(services).sort()).toEqual([...SERVICES].sort());
    for (const s of SERVICES) {
      const p = PART_10[s];
      expect({ s, cpu: services[s].cpu, memory: services[s].memory, min: services[s].min_tasks, max: services[s].max_tasks, interval: services[s].health.interval_seconds }).toEqual({
        s,
        cpu: p.cpu,
        memory: p.memory,
        min: p.min_tasks,
        max: p.max_tasks,
        interval: p.interval,
      });
    }
  });

  test("each service listens on its own ports and is probed where its image probes", () => {
    const services = main().services as Json;
    for (const s of SERVICES) {
      expect(services[s].ports).toEqual(TARGETS[s].ports);
      const h = TARGETS[s].health!;
      expect(services[s].health).toMatchObject({ port_variable: h.env, port: h.port, path: h.path });
    }
  });

  test("the ALB routes /ws/* (WebSocket upgrades) to the gateway and /api/v1/* to chatmgmt; the rest stays internal", () => {
    const services = main().services as Json;
    expect(services.gateway.load_balancer).toMatchObject({ path_patterns: ["/ws/*"], require_websocket: true });
    expect(services.chatmgmt.load_balancer).toMatchObject({ path_patterns: ["/api/v1/*"], require_websocket: false });
    expect(services.ingest.load_balancer).toBeNull();
    expect(services.fanout.load_balancer).toBeNull();
  });

  test("every variable handed to the containers is one packages/config knows, and the values load", () => {
    const m = main();
    const names = new Set([
      ...Object.keys(m.common_environment),
      ...Object.values(m.service_environment as Record<string, Json>).flatMap((e) => Object.keys(e)),
      ...Object.values(m.services as Record<string, Json>).flatMap((s) => Object.keys(s.ports)),
      ...Object.keys(settings().tuning),
      "CHAT_SERVICE_SECRET",
    ]);
    const known = new Set(Object.keys(envSchema.shape));
    expect([...names].filter((n) => !known.has(n))).toEqual([]);
    // Parameter Store values are valid for the config loader (and ECS injects them as variables).
    expect(() => loadConfig({ ...settings().tuning, CHAT_SERVICE_SECRET: "x".repeat(32) })).not.toThrow();
  });

  test.each([...SERVICES])("the container of %s would start: its whole environment passes the standalone config rules", (s) => {
    const m = main();
    // Values Terraform fills in at apply time get stand-ins of the right shape.
    const standIn = (key: string, value: string): string => {
      const setting = /^\$\{var\.(\w+)\}$/.exec(value);
      if (setting && settings()[setting[1]] !== undefined) return String(settings()[setting[1]]);
      if (!value.includes("${")) return value;
      if (key === "CHAT_OIDC_ISSUER") return "https://issuer.example.com";
      if (key === "CHAT_REDIS_URL") return "rediss://redis.example.internal:6379";
      return value.replace(/\$\{[^}]*\}/g, "standin");
    };
    const plain: Record<string, string> = { ...m.common_environment, ...m.service_environment[s], ...Object.fromEntries(Object.entries(m.services[s].ports).map(([k, v]) => [k, String(v)])) };
    const env = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, standIn(k, String(v))]));
    // Injected by ECS: the secret (Secrets Manager) and the tuning (Parameter Store).
    Object.assign(env, settings().tuning, { CHAT_SERVICE_SECRET: "s".repeat(48) });
    // The gateway derives its advertised address from the task's network interface ("auto"):
    // an awsvpc task with one ENI, as the loader would see it.
    const eni = { eth0: [{ address: "10.0.3.17", netmask: "255.255.255.0", family: "IPv4" as const, mac: "02:00:00:00:00:01", internal: false, cidr: "10.0.3.17/24" }] };
    const config = loadConfig(env, {}, { standalone: s, networkInterfaces: eni });
    if (s === "gateway") expect(config.gateway.advertisedAddress).toBe(`http://10.0.3.17:${m.services[s].ports.CHAT_GATEWAY_GRPC_PORT}`);
    expect(config.host).toBe("0.0.0.0");
    expect(config.eventLog.kind).toBe("kafka");
    expect(config.store.kind).toBe("dynamodb");
    expect(config.store.dynamodb.endpoint).toBeUndefined(); // the AWS endpoint, not a local one
    expect(config.presence.kind).toBe("redis");
  });

  test("no task runs a shell: the image's exec-form entrypoint is kept (the gateway's address comes from CHAT_GATEWAY_ADVERTISED_ADDRESS=auto)", () => {
    const m = main();
    expect(m.entry_points).toBeUndefined();
    expect(m.service_environment.gateway.CHAT_GATEWAY_ADVERTISED_ADDRESS).toBe("auto");
    const definition = readFileSync(repoPath("terraform/modules/ecs-service/main.tf"), "utf8");
    expect(definition).not.toMatch(/entryPoint|command\s*=\s*\[\s*"\/bin\/sh"/);
    for (const file of files) expect({ file, shell: /hostname -i|\/bin\/sh/.test(readFileSync(file, "utf8")) }).toEqual({ file, shell: false });
  });

  test("the service secret comes from Secrets Manager, never a plain variable; tuning from Parameter Store", () => {
    const m = main();
    expect(Object.keys(m.common_environment)).not.toContain("CHAT_SERVICE_SECRET");
    const service = tf("modules/chat-stack/main.tf").module.service[0];
    expect(service.secrets).toContain("aws_secretsmanager_secret.service_secret.arn");
    expect(service.secrets).toContain("aws_ssm_parameter.tuning");
    expect(service.stop_timeout).toBe(35);
  });
});

describe("modules/ecs-service", () => {
  test("stops tasks 35 s after SIGTERM by default, longer than the services' drain", () => {
    const stop = (tf("modules/ecs-service/variables.tf").variable.stop_timeout[0] as Json).default;
    expect(stop).toBe(35);
    expect(stop * 1000).toBeGreaterThan(loadConfig({ CHAT_SERVICE_SECRET: "x".repeat(32) }).limits.drainTimeoutMs);
    const defs = tf("modules/ecs-service/main.tf").resource.aws_ecs_task_definition.this[0].container_definitions as string;
    expect(defs).toMatch(/stopTimeout\s*=\s*var\.stop_timeout/);
  });

  test("container health check is the image's own script; target groups use Part 10.2's thresholds", () => {
    const main = tf("modules/ecs-service/main.tf");
    const defs = main.resource.aws_ecs_task_definition.this[0].container_definitions as string;
    expect(defs).toContain('command     = ["CMD", "node", "/app/healthcheck.mjs", var.health.port_variable, tostring(var.health.port), var.health.path]');
    expect(defs).toContain('user                   = "65534:65534"');
    const l = Object.assign({}, ...main.locals);
    expect({ healthy: l.healthy_threshold, unhealthy: l.unhealthy_threshold }).toEqual({ healthy: 2, unhealthy: 3 });
    const hc = main.resource.aws_lb_target_group.this[0].health_check[0];
    expect(hc).toMatchObject({ healthy_threshold: "${local.healthy_threshold}", unhealthy_threshold: "${local.unhealthy_threshold}", interval: "${var.health.interval_seconds}" });
    // Rolling deploys roll back by themselves when the new tasks fail their checks.
    expect(main.resource.aws_ecs_service.this[0].deployment_circuit_breaker[0]).toEqual({ enable: true, rollback: true });
  });

  test("the WebSocket rule also requires the Upgrade header, like ALB rule 1", () => {
    const rule = tf("modules/ecs-service/main.tf").resource.aws_lb_listener_rule.this[0];
    expect(JSON.stringify(rule.dynamic.condition)).toContain("Upgrade");
  });
});

test("modules/networking: the ALB answers unknown paths 404 and keeps WebSockets open longer than two heartbeats", () => {
  const net = tf("modules/networking/main.tf");
  const listener = net.resource.aws_lb_listener.https[0];
  expect(listener.protocol).toBe("HTTPS");
  expect(listener.default_action[0].fixed_response[0].status_code).toBe("404");
  const idle = (tf("modules/networking/variables.tf").variable.alb_idle_timeout[0] as Json).default as number;
  expect(idle * 1000).toBeGreaterThan(2 * loadConfig({ CHAT_SERVICE_SECRET: "x".repeat(32) }).limits.heartbeatIntervalMs);
});
