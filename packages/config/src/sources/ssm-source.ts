import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClientOptions, ConfigSource } from "./config-source";

// Every parameter under `prefix` (e.g. /chat/prod/), SecureStrings decrypted. A parameter's
// name after the prefix is the variable name: /chat/prod/CHAT_MAX_BODY_BYTES -> CHAT_MAX_BODY_BYTES.
// Nested paths are read too so a misplaced parameter is reported rather than ignored.
export function ssmSource(prefix: string, aws: AwsClientOptions): ConfigSource {
  const path = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return {
    name: `SSM ${path}`,
    async load() {
      const client = new SSMClient({ region: aws.region, endpoint: aws.endpoint });
      try {
        const out: Record<string, string> = {};
        let NextToken: string | undefined;
        do {
          const page = await client.send(new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, NextToken }));
          for (const p of page.Parameters ?? []) {
            if (p.Name === undefined || p.Value === undefined) continue;
            out[p.Name.slice(path.length)] = p.Value;
          }
          NextToken = page.NextToken;
        } while (NextToken);
        return out;
      } finally {
        client.destroy();
      }
    },
  };
}
