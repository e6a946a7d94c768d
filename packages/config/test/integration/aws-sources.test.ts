import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ConfigError, loadConfigFromSources } from "../../src";

// Against moto in server mode (scripts/infra/moto.sh, started by scripts/with-infra.sh).
const endpoint = process.env.CHAT_INFRA_AWS_ENDPOINT;
if (!endpoint) throw new Error("CHAT_INFRA_AWS_ENDPOINT is not set: run through scripts/with-infra.sh");
const ROOT = resolve(import.meta.dirname, "../../../..");
const region = "eu-west-1";
// moto accepts any credentials; the SDK only needs some to sign with.
const awsEnv = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: region };
Object.assign(process.env, awsEnv);
const ssm = new SSMClient({ region, endpoint });
const secrets = new SecretsManagerClient({ region, endpoint });

async function putParams(prefix: string, params: Record<string, string>, secure: string[] = []): Promise<void> {
  for (const [k, v] of Object.entries(params)) {
    await ssm.send(new PutParameterCommand({ Name: `${prefix}${k}`, Value: v, Type: secure.includes(k) ? "SecureString" : "String", Overwrite: true }));
  }
}

async function putSecret(values: Record<string, string>): Promise<string> {
  const name = `chat/test/${randomUUID()}`;
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(values) }));
  return name;
}

function prefix(): string {
  return `/chat/${randomUUID()}/`;
}

const base = { CHAT_AWS_ENDPOINT: endpoint, CHAT_AWS_REGION: region };

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).problems;
}

afterAll(() => {
  ssm.destroy();
  secrets.destroy();
});

describe("config from SSM Parameter Store and Secrets Manager (moto)", () => {
  it("takes environment over SSM over Secrets Manager over compiled defaults; SecureStrings decrypted", async () => {
    const p = prefix();
    await putParams(p, { CHAT_MAX_BODY_BYTES: "1000", CHAT_SEND_BURST: "7", CHAT_REDIS_KEY_PREFIX: "ssm:", CHAT_OIDC_AUDIENCE: "from-ssm" }, ["CHAT_OIDC_AUDIENCE"]);
    const secretId = await putSecret({ CHAT_SERVICE_SECRET: "s3cret-from-secrets-manager", CHAT_REDIS_KEY_PREFIX: "sm:", CHAT_KAFKA_CLIENT_ID: "sm-client" });
    const c = await loadConfigFromSources({ ...base, CHAT_SSM_PREFIX: p, CHAT_SECRETS_MANAGER_SECRET_ID: secretId, CHAT_SEND_BURST: "9" }, { standalone: "ingest" });
    expect(c.limits.sendBurst).toBe(9); // environment wins over SSM
    expect(c.limits.maxBodyBytes).toBe(1000); // SSM over default
    expect(c.identity.audience).toBe("from-ssm"); // SecureString decrypted
    expect(c.presence).toEqual({ kind: "embedded" });
    expect(c.serviceSecret).toBe("s3cret-from-secrets-manager"); // the secret from Secrets Manager
    expect(c.limits.maxFrameBytes).toBe(128 * 1024); // compiled default
    // SSM over Secrets Manager for a key both hold (checked through the raw value below).
    const c2 = await loadConfigFromSources({ ...base, CHAT_SSM_PREFIX: p, CHAT_SECRETS_MANAGER_SECRET_ID: secretId, CHAT_PRESENCE: "redis" }, { standalone: "ingest" });
    expect(c2.presence).toMatchObject({ kind: "redis", keyPrefix: "ssm:" });
    expect(c2.eventLog).toEqual({ kind: "embedded", maxRecordsPerPartition: 10_000 });
  });

  it("reads every page of a prefix with more parameters than one page holds", async () => {
    const p = prefix();
    // GetParametersByPath returns at most 10 per page.
    const many: Record<string, string> = {};
    const keys = ["CHAT_SEND_BURST", "CHAT_USER_SEND_BURST", "CHAT_API_BURST_PER_USER", "CHAT_API_BURST_PER_IP", "CHAT_OUTBOUND_BUFFER_MESSAGES", "CHAT_OUTBOX_BATCH", "CHAT_INGEST_MAX_QUEUED", "CHAT_INGEST_MAX_QUEUE_PER_CHAT", "CHAT_MAX_IN_FLIGHT_PER_CONNECTION", "CHAT_MAX_UNAUTHENTICATED_PER_IP", "CHAT_MAX_BODY_BYTES", "CHAT_MAX_FRAME_BYTES"];
    keys.forEach((k, i) => (many[k] = String(1000 + i)));
    await putParams(p, many);
    const c = await loadConfigFromSources({ ...base, CHAT_SSM_PREFIX: p, CHAT_SERVICE_SECRET: "x".repeat(16) }, { standalone: "ingest" });
    expect(c.limits.maxFrameBytes).toBe(1011);
    expect(c.limits.sendBurst).toBe(1000);
  });

  it("refuses an unknown key in SSM, naming the source", async () => {
    const p = prefix();
    await putParams(p, { CHAT_MAX_BODY_BYTE: "1000" });
    const problems = await problemsOf(loadConfigFromSources({ ...base, CHAT_SSM_PREFIX: p, CHAT_SERVICE_SECRET: "x".repeat(16) }, { standalone: "ingest" }));
    expect(problems).toEqual([`SSM ${p}: unknown variable(s): CHAT_MAX_BODY_BYTE`]);
  });

  it("refuses a parameter that tries to redirect the sources, and an invalid value from SSM", async () => {
    const p = prefix();
    await putParams(p, { CHAT_SSM_PREFIX: "/elsewhere/" });
    expect(await problemsOf(loadConfigFromSources({ ...base, CHAT_SSM_PREFIX: p }, { standalone: "ingest" }))).toEqual([`SSM ${p}: CHAT_SSM_PREFIX can only be set in the environment`]);
    const q = prefix();
    await putParams(q, { CHAT_MAX_BODY_BYTES: "-5" });
    const problems = await problemsOf(loadConfigFromSources({ ...base, CHAT_SSM_PREFIX: q, CHAT_SERVICE_SECRET: "x".repeat(16) }, { standalone: "ingest" }));
    expect(problems.join()).toMatch(/CHAT_MAX_BODY_BYTES/);
  });

  it("refuses a missing secret id, and a secret whose value is not a JSON object", async () => {
    const missing = await problemsOf(loadConfigFromSources({ ...base, CHAT_SECRETS_MANAGER_SECRET_ID: "chat/does-not-exist" }, { standalone: "ingest" }));
    expect(missing[0]).toMatch(/^Secrets Manager chat\/does-not-exist: could not be read \(ResourceNotFoundException/);
    const name = `chat/test/${randomUUID()}`;
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: "plain-text" }));
    expect((await problemsOf(loadConfigFromSources({ ...base, CHAT_SECRETS_MANAGER_SECRET_ID: name }, { standalone: "ingest" })))[0]).toMatch(/not JSON/);
  });

  it("a service refuses to start when the service secret is missing from the environment, SSM and Secrets Manager", async () => {
    const p = prefix();
    await putParams(p, { CHAT_MAX_BODY_BYTES: "1000" });
    const secretId = await putSecret({ CHAT_KAFKA_CLIENT_ID: "no-secret-here" });
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...awsEnv, ...base, CHAT_SSM_PREFIX: p, CHAT_SECRETS_MANAGER_SECRET_ID: secretId, CHAT_CHATMGMT_PORT: "0", CHAT_CHATMGMT_GRPC_PORT: "0" };
    const child = spawn(process.execPath, ["--import", "tsx", resolve(ROOT, "services/chatmgmt/src/main.ts")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/CHAT_SERVICE_SECRET: required when chatmgmt runs on its own/);
  }, 60_000);
});
