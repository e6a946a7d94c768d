import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { AwsClientOptions, ConfigSource } from "./config-source";

// One secret whose value is a JSON object of variables, e.g. {"CHAT_SERVICE_SECRET": "..."}
// (the shape the Secrets Manager console writes for key/value secrets).
export function secretsManagerSource(secretId: string, aws: AwsClientOptions): ConfigSource {
  const name = `Secrets Manager ${secretId}`;
  return {
    name,
    async load() {
      const client = new SecretsManagerClient({ region: aws.region, endpoint: aws.endpoint });
      try {
        const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        if (res.SecretString === undefined) throw new Error(`${name}: the secret has no string value (binary secrets are not supported)`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(res.SecretString);
        } catch {
          throw new Error(`${name}: the secret value is not JSON (expected {"CHAT_SERVICE_SECRET": "..."})`);
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${name}: the secret value must be a JSON object of variables`);
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(parsed)) {
          if (typeof v !== "string") throw new Error(`${name}: ${k} must be a string`);
          out[k] = v;
        }
        return out;
      } finally {
        client.destroy();
      }
    },
  };
}
