import { readFileSync } from "node:fs";
import type { KafkaConfig, SASLOptions } from "kafkajs";
import { mskIamTokenProvider, type MskTokenSigner } from "./msk-iam";

// How the client reaches the brokers: plain, TLS, and optionally SASL over it (MSK Serverless
// accepts only TLS + IAM; a self-managed cluster typically TLS + SCRAM).
export interface KafkaSecurity {
  ssl: boolean;
  // PEM bundle of the CA(s) that signed the brokers' certificates; unset: the system roots.
  caFile?: string;
  sasl: KafkaSasl;
}

export type KafkaSasl =
  | { mechanism: "none" }
  | { mechanism: "scram-sha-256" | "scram-sha-512"; username: string; password: string }
  | { mechanism: "oauthbearer-msk-iam"; region: string };

export const PLAINTEXT: KafkaSecurity = { ssl: false, sasl: { mechanism: "none" } };

export function kafkaSecurityOptions(security: KafkaSecurity, signer: () => Promise<MskTokenSigner> = loadMskSigner): Pick<KafkaConfig, "ssl" | "sasl"> {
  const ssl: KafkaConfig["ssl"] = security.ssl ? (security.caFile ? { ca: [readFileSync(security.caFile, "utf8")] } : true) : false;
  return { ssl, sasl: saslOptions(security.sasl, signer) };
}

function saslOptions(sasl: KafkaSasl, signer: () => Promise<MskTokenSigner>): SASLOptions | undefined {
  switch (sasl.mechanism) {
    case "none":
      return undefined;
    case "scram-sha-256":
    case "scram-sha-512":
      return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
    case "oauthbearer-msk-iam": {
      // The signer (and the AWS SDK under it) is loaded only when IAM is configured.
      const provider = signer().then((sign) => mskIamTokenProvider(sasl.region, sign));
      return { mechanism: "oauthbearer", oauthBearerProvider: async () => (await provider)() };
    }
  }
}

async function loadMskSigner(): Promise<MskTokenSigner> {
  const { generateAuthToken } = await import("aws-msk-iam-sasl-signer-js");
  return generateAuthToken;
}
