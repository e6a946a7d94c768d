import type { OauthbearerProviderResponse } from "kafkajs";

// The part of aws-msk-iam-sasl-signer-js we use: it signs with the default AWS credential chain
// (the ECS task role in production). Injectable so the mapping is testable without AWS.
export type MskTokenSigner = (options: { region: string }) => Promise<{ token: string; expiryTime: number }>;

export class MskIamTokenError extends Error {
  readonly code = "KAFKA_MSK_IAM_TOKEN";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MskIamTokenError";
  }
}

// kafkajs calls the provider on every (re)authentication; MSK closes the connection when the
// token's session ends, so a fresh token is signed each time rather than cached.
export function mskIamTokenProvider(region: string, signer: MskTokenSigner, now: () => number = Date.now): () => Promise<OauthbearerProviderResponse> {
  return async () => {
    let signed: { token: string; expiryTime: number };
    try {
      signed = await signer({ region });
    } catch (err) {
      throw new MskIamTokenError(`signing the MSK IAM token for region ${region} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!signed.token) throw new MskIamTokenError("the MSK IAM signer returned an empty token");
    // An already expired token would only surface later as an opaque SASL failure from the broker.
    if (!(signed.expiryTime > now())) throw new MskIamTokenError(`the MSK IAM signer returned a token that expired at ${new Date(signed.expiryTime).toISOString()}`);
    return { value: signed.token };
  };
}
