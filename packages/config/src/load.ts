import { randomBytes } from "node:crypto";
import { envSchema } from "./schema";
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
  if (opts.standalone && parsed.data.CHAT_SERVICE_SECRET === undefined) {
    problems.push(`CHAT_SERVICE_SECRET: required when ${opts.standalone} runs on its own (at least 16 characters, the same value for every service); there is no default`);
  }
  if (opts.standalone === "gateway" && WILDCARD_HOSTS.has(parsed.data.CHAT_HOST) && !parsed.data.CHAT_GATEWAY_ADVERTISED_ADDRESS) {
    problems.push(`CHAT_GATEWAY_ADVERTISED_ADDRESS: required when CHAT_HOST is ${parsed.data.CHAT_HOST}: fanout cannot dial a wildcard address`);
  }
  // All-in-one: internal calls never leave the process, so a fresh random secret per run is
  // enough and no guessable value exists.
  const config = toConfig(parsed.data, parsed.data.CHAT_SERVICE_SECRET ?? randomBytes(32).toString("base64url"));
  if (config.identity.issuer) {
    const { protocol } = new URL(config.identity.issuer);
    if (protocol !== "https:" && protocol !== "http:") problems.push("CHAT_OIDC_ISSUER must be an https:// URL");
    else if (protocol === "http:" && !config.identity.allowHttp) problems.push("CHAT_OIDC_ISSUER uses http:// but CHAT_OIDC_ALLOW_HTTP is not true");
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
