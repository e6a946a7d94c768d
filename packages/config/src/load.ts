import { envSchema } from "./schema";
import type { Config } from "./types";
import { toConfig } from "./types";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

// Reads CHAT_* variables once, validates them and returns the typed config. `overrides` take
// precedence over the environment (tests and the all-in-one launcher use them).
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Record<string, string> = {}): Config {
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
  const config = toConfig(parsed.data);
  const problems: string[] = [];
  if (config.identity.issuer) {
    const { protocol } = new URL(config.identity.issuer);
    if (protocol !== "https:" && protocol !== "http:") problems.push("CHAT_OIDC_ISSUER must be an https:// URL");
    else if (protocol === "http:" && !config.identity.allowHttp) problems.push("CHAT_OIDC_ISSUER uses http:// but CHAT_OIDC_ALLOW_HTTP is not true");
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
