import { kafkaSecurityOptions, mskIamTokenProvider, MskIamTokenError, type MskTokenSigner } from "../src/kafka";

const NOW = 1_800_000_000_000;

test("the MSK IAM provider signs for the configured region and hands kafkajs { value: token }", async () => {
  const calls: Array<{ region: string }> = [];
  const signer: MskTokenSigner = async (o) => {
    calls.push(o);
    return { token: "signed-url-token", expiryTime: NOW + 900_000 };
  };
  const provide = mskIamTokenProvider("eu-west-1", signer, () => NOW);
  await expect(provide()).resolves.toEqual({ value: "signed-url-token" });
  // A fresh signature on every (re)authentication, never a cached one.
  await provide();
  expect(calls).toEqual([{ region: "eu-west-1" }, { region: "eu-west-1" }]);
});

test("an expired or empty token is refused with a typed error, not sent to the broker", async () => {
  const expired = mskIamTokenProvider("eu-west-1", async () => ({ token: "t", expiryTime: NOW }), () => NOW);
  await expect(expired()).rejects.toMatchObject({ code: "KAFKA_MSK_IAM_TOKEN", message: expect.stringContaining("expired") });
  const empty = mskIamTokenProvider("eu-west-1", async () => ({ token: "", expiryTime: NOW + 1 }), () => NOW);
  await expect(empty()).rejects.toBeInstanceOf(MskIamTokenError);
});

test("a signer failure (no AWS credentials) surfaces as a typed error naming the region", async () => {
  const provide = mskIamTokenProvider("ap-south-1", async () => {
    throw new Error("Could not load credentials from any providers");
  });
  await expect(provide()).rejects.toMatchObject({ code: "KAFKA_MSK_IAM_TOKEN", message: expect.stringMatching(/ap-south-1.*Could not load credentials/) });
});

test("kafkajs options: oauthbearer with the signer's token, TLS on", async () => {
  const signer: MskTokenSigner = async ({ region }) => ({ token: `tok-${region}`, expiryTime: Date.now() + 60_000 });
  const options = kafkaSecurityOptions({ ssl: true, sasl: { mechanism: "oauthbearer-msk-iam", region: "us-west-2" } }, async () => signer);
  expect(options.ssl).toBe(true);
  expect(options.sasl?.mechanism).toBe("oauthbearer");
  const sasl = options.sasl as { oauthBearerProvider: () => Promise<{ value: string }> };
  await expect(sasl.oauthBearerProvider()).resolves.toEqual({ value: "tok-us-west-2" });
});

test("kafkajs options: SCRAM passes the credentials; none is plaintext without SASL", () => {
  expect(kafkaSecurityOptions({ ssl: true, sasl: { mechanism: "scram-sha-512", username: "chat", password: "pw" } })).toEqual({
    ssl: true,
    sasl: { mechanism: "scram-sha-512", username: "chat", password: "pw" },
  });
  expect(kafkaSecurityOptions({ ssl: false, sasl: { mechanism: "none" } })).toEqual({ ssl: false, sasl: undefined });
});
