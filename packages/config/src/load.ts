import { randomBytes } from "node:crypto";
import { firstExternalIpv4, type Interfaces } from "./advertised-address";
import { envSchema, type Env } from "./schema";
import type { Config } from "./types";
import { toConfig } from "./types";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadOptions {
  // Set when one service runs as its own process (distributed mode): then the rules that keep
  // its network surface safe apply. Unset: the all-in-one process, which serves internal RPCs
  // only in-process.
  // The service's name ("gateway", "ingest", "fanout", "chatmgmt").
  standalone?: string;
  // Set by loadConfigFromSources once SSM / Secrets Manager were read.
  sourcesRead?: boolean;
  // The host's interfaces for CHAT_GATEWAY_ADVERTISED_ADDRESS=auto (tests); default: the OS's.
  networkInterfaces?: Interfaces;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

// Reads CHAT_* variables once, validates them and returns the typed config. `overrides` take
// precedence over the environment (tests and the all-in-one launcher use them).
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Record<string, string> = {}, opts: LoadOptions = {}): Config {
  const picked: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    // CHAT_INFRA_* belongs to scripts/infra (where test servers cache and run), not to services.
    if (k.startsWith("CHAT_") && !k.startsWith("CHAT_INFRA_") && v !== undefined && v !== "") picked[k] = v;
  }
  Object.assign(picked, overrides);
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => (i.code === "unrecognized_keys" ? `unknown variable(s): ${i.keys.join(", ")}` : `${i.path.join(".")}: ${i.message}`)),
    );
  }
  const problems: string[] = [];
  if (!opts.sourcesRead && (parsed.data.CHAT_SSM_PREFIX || parsed.data.CHAT_SECRETS_MANAGER_SECRET_ID)) {
    // A prefix that is silently not read would run the process on defaults.
    problems.push("CHAT_SSM_PREFIX / CHAT_SECRETS_MANAGER_SECRET_ID: only standalone services read SSM or Secrets Manager; this process does not");
  }
  if (opts.standalone && parsed.data.CHAT_SERVICE_SECRET === undefined) {
    problems.push(`CHAT_SERVICE_SECRET: required when ${opts.standalone} runs on its own (at least 16 characters, the same value for every service); there is no default`);
  }
  if (opts.standalone === "gateway" && WILDCARD_HOSTS.has(parsed.data.CHAT_HOST) && !parsed.data.CHAT_GATEWAY_ADVERTISED_ADDRESS) {
    problems.push(`CHAT_GATEWAY_ADVERTISED_ADDRESS: required when CHAT_HOST is ${parsed.data.CHAT_HOST}: fanout cannot dial a wildcard address`);
  }
  problems.push(...kafkaSecurityProblems(parsed.data));
  // All-in-one: internal calls never leave the process, so a fresh random secret per run is
  // enough and no guessable value exists.
  const e = parsed.data;
  const config = toConfig(e, e.CHAT_SERVICE_SECRET ?? randomBytes(32).toString("base64url"));
  if (e.CHAT_GATEWAY_ADVERTISED_ADDRESS === "auto") {
    const ip = firstExternalIpv4(opts.networkInterfaces);
    if (!ip) problems.push("CHAT_GATEWAY_ADVERTISED_ADDRESS: auto found no non-internal IPv4 address on this host; set the address fanout should dial (host:port)");
    else if (e.CHAT_GATEWAY_GRPC_PORT === 0) problems.push("CHAT_GATEWAY_ADVERTISED_ADDRESS: auto needs a fixed CHAT_GATEWAY_GRPC_PORT, not 0");
    else config.gateway.advertisedAddress = `http://${ip}:${e.CHAT_GATEWAY_GRPC_PORT}`;
  }
  if (config.identity.issuer) {
    const { protocol } = new URL(config.identity.issuer);
    if (protocol !== "https:" && protocol !== "http:") problems.push("CHAT_OIDC_ISSUER must be an https:// URL");
    else if (protocol === "http:" && !config.identity.allowHttp) problems.push("CHAT_OIDC_ISSUER uses http:// but CHAT_OIDC_ALLOW_HTTP is not true");
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

// SCRAM credentials are secrets, so they have no default: a missing one is a startup error,
// not a SASL failure at the first publish. Checked whatever CHAT_EVENTLOG says, so a
// half-written Kafka configuration is caught before it is switched on.
function kafkaSecurityProblems(e: Env): string[] {
  const problems: string[] = [];
  const m = e.CHAT_KAFKA_SASL_MECHANISM;
  if (m === "scram-sha-256" || m === "scram-sha-512") {
    if (!e.CHAT_KAFKA_SASL_USERNAME) problems.push(`CHAT_KAFKA_SASL_USERNAME: required when CHAT_KAFKA_SASL_MECHANISM is ${m}; there is no default`);
    if (!e.CHAT_KAFKA_SASL_PASSWORD) problems.push(`CHAT_KAFKA_SASL_PASSWORD: required when CHAT_KAFKA_SASL_MECHANISM is ${m}; there is no default`);
  } else if (e.CHAT_KAFKA_SASL_USERNAME || e.CHAT_KAFKA_SASL_PASSWORD) {
    problems.push(`CHAT_KAFKA_SASL_USERNAME/CHAT_KAFKA_SASL_PASSWORD: set but CHAT_KAFKA_SASL_MECHANISM is ${m}, which does not use them`);
  }
  if (m === "oauthbearer-msk-iam" && !e.CHAT_KAFKA_SSL) problems.push("CHAT_KAFKA_SSL: must be true with oauthbearer-msk-iam (MSK accepts IAM only over TLS)");
  if (e.CHAT_KAFKA_SSL_CA_FILE && !e.CHAT_KAFKA_SSL) problems.push("CHAT_KAFKA_SSL_CA_FILE: set but CHAT_KAFKA_SSL is not true");
  return problems;
}
