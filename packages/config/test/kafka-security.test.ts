import { ConfigError, loadConfig } from "../src";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

const kafka = { CHAT_EVENTLOG: "kafka", CHAT_KAFKA_BROKERS: "b1:9098" };

test("plaintext, no SASL by default", () => {
  expect(loadConfig(kafka).eventLog).toMatchObject({ kind: "kafka", brokers: ["b1:9098"], clientId: "chat", security: { ssl: false, sasl: { mechanism: "none" } } });
});

test("SCRAM without credentials is a config error naming each missing secret (no defaults)", () => {
  const problems = problemsOf({ ...kafka, CHAT_KAFKA_SSL: "true", CHAT_KAFKA_SASL_MECHANISM: "scram-sha-512" });
  expect(problems).toEqual([expect.stringMatching(/^CHAT_KAFKA_SASL_USERNAME: required/), expect.stringMatching(/^CHAT_KAFKA_SASL_PASSWORD: required/)]);
  expect(problemsOf({ ...kafka, CHAT_KAFKA_SASL_MECHANISM: "scram-sha-256", CHAT_KAFKA_SASL_USERNAME: "chat" })).toEqual([expect.stringMatching(/^CHAT_KAFKA_SASL_PASSWORD: required/)]);
});

test("SCRAM with credentials and a CA file", () => {
  const env = { ...kafka, CHAT_KAFKA_SSL: "true", CHAT_KAFKA_SSL_CA_FILE: "/etc/ca.pem", CHAT_KAFKA_SASL_MECHANISM: "scram-sha-512", CHAT_KAFKA_SASL_USERNAME: "chat", CHAT_KAFKA_SASL_PASSWORD: "s3cret" };
  expect(loadConfig(env).eventLog).toMatchObject({ security: { ssl: true, caFile: "/etc/ca.pem", sasl: { mechanism: "scram-sha-512", username: "chat", password: "s3cret" } } });
});

test("MSK IAM signs for the configured region and requires TLS", () => {
  const env = { ...kafka, CHAT_KAFKA_SSL: "true", CHAT_KAFKA_SASL_MECHANISM: "oauthbearer-msk-iam", CHAT_KAFKA_AWS_REGION: "eu-central-1" };
  expect(loadConfig(env).eventLog).toMatchObject({ security: { ssl: true, sasl: { mechanism: "oauthbearer-msk-iam", region: "eu-central-1" } } });
  expect(problemsOf({ ...env, CHAT_KAFKA_SSL: "false" })).toEqual([expect.stringMatching(/^CHAT_KAFKA_SSL: must be true/)]);
});

test("malformed or contradictory settings are refused", () => {
  expect(problemsOf({ ...kafka, CHAT_KAFKA_SASL_MECHANISM: "plain" })[0]).toMatch(/^CHAT_KAFKA_SASL_MECHANISM/);
  expect(problemsOf({ ...kafka, CHAT_KAFKA_SSL: "yes" })[0]).toMatch(/^CHAT_KAFKA_SSL/);
  expect(problemsOf({ ...kafka, CHAT_KAFKA_SASL_PASSWORD: "pw" })).toEqual([expect.stringMatching(/set but CHAT_KAFKA_SASL_MECHANISM is none/)]);
  expect(problemsOf({ ...kafka, CHAT_KAFKA_SSL_CA_FILE: "/ca.pem" })).toEqual([expect.stringMatching(/CHAT_KAFKA_SSL is not true/)]);
});
