import { ConfigError, loadConfig, type LoadOptions } from "./load";
import { envSchema } from "./schema";
import type { Config } from "./types";
import type { ConfigSource } from "./sources/config-source";
import { secretsManagerSource } from "./sources/secrets-manager-source";
import { ssmSource } from "./sources/ssm-source";

// Variables that say where the other variables come from: only the environment may set them
// (a parameter cannot redirect the store it was read from).
export const SOURCE_KEYS = ["CHAT_SSM_PREFIX", "CHAT_SECRETS_MANAGER_SECRET_ID", "CHAT_AWS_REGION", "CHAT_AWS_ENDPOINT"] as const;

const SCHEMA_KEYS = new Set(Object.keys(envSchema.shape));

function chatVars(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith("CHAT_") && !k.startsWith("CHAT_INFRA_") && v !== undefined && v !== "") out[k] = v;
  return out;
}

// The remote sources the environment asks for, lowest precedence first: Secrets Manager, then
// SSM (so a parameter can override a key a shared secret also carries, and the environment
// overrides both).
export function sourcesFromEnv(env: Record<string, string | undefined>): ConfigSource[] {
  const parsed = envSchema.pick({ CHAT_SSM_PREFIX: true, CHAT_SECRETS_MANAGER_SECRET_ID: true, CHAT_AWS_REGION: true, CHAT_AWS_ENDPOINT: true }).safeParse(
    Object.fromEntries(SOURCE_KEYS.filter((k) => env[k]).map((k) => [k, env[k]])),
  );
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.data;
  const aws = { region: e.CHAT_AWS_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1", endpoint: e.CHAT_AWS_ENDPOINT };
  const sources: ConfigSource[] = [];
  if (e.CHAT_SECRETS_MANAGER_SECRET_ID) sources.push(secretsManagerSource(e.CHAT_SECRETS_MANAGER_SECRET_ID, aws));
  if (e.CHAT_SSM_PREFIX) sources.push(ssmSource(e.CHAT_SSM_PREFIX, aws));
  return sources;
}

// Startup config of a standalone service: environment > sources (later ones win) > compiled
// defaults, then validated once by the zod schema, so Config stays the one typed source.
// Keys a source holds are checked like environment variables: unknown ones are refused.
export async function loadConfigFromSources(
  env: Record<string, string | undefined> = process.env,
  opts: LoadOptions = {},
  sources: ConfigSource[] = sourcesFromEnv(env),
): Promise<Config> {
  const merged: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of sources) {
    let values: Record<string, string>;
    try {
      values = await source.load();
    } catch (e) {
      const msg = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
      problems.push(`${source.name}: could not be read (${msg})`);
      continue;
    }
    const unknown = Object.keys(values).filter((k) => !SCHEMA_KEYS.has(k));
    if (unknown.length) problems.push(`${source.name}: unknown variable(s): ${unknown.join(", ")}`);
    const redirect = Object.keys(values).filter((k) => (SOURCE_KEYS as readonly string[]).includes(k));
    if (redirect.length) problems.push(`${source.name}: ${redirect.join(", ")} can only be set in the environment`);
    for (const [k, v] of Object.entries(values)) if (v !== "") merged[k] = v;
  }
  if (problems.length) throw new ConfigError(problems);
  Object.assign(merged, chatVars(env));
  return loadConfig(merged, {}, { ...opts, sourcesRead: true });
}
