import { randomUUID } from "node:crypto";
import { createKafkaEventLog, type KafkaSecurity } from "../../src/kafka";
import type { EventLog } from "../../src/port";

// The adapter over the local broker's SASL_SSL listener (scripts/infra/kafka.sh): TLS with a
// certificate signed by the run's own CA, SCRAM-SHA-512 — the shape of a production cluster.
const brokers = process.env.CHAT_INFRA_KAFKA_SASL_SSL_BROKERS?.split(",").filter(Boolean) ?? [];
const username = process.env.CHAT_INFRA_KAFKA_SASL_USERNAME ?? "";
const password = process.env.CHAT_INFRA_KAFKA_SASL_PASSWORD ?? "";
const caFile = process.env.CHAT_INFRA_KAFKA_CA_FILE ?? "";
if (brokers.length === 0 || !username || !password || !caFile) throw new Error("CHAT_INFRA_KAFKA_SASL_SSL_* are not set: run through scripts/with-infra.sh");

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const scram = (pw: string): KafkaSecurity => ({ ssl: true, caFile, sasl: { mechanism: "scram-sha-512", username, password: pw } });

const logs: EventLog[] = [];
function eventLog(clientId: string, security: KafkaSecurity): EventLog {
  const log = createKafkaEventLog({ brokers, clientId, security, logger: silent });
  logs.push(log);
  return log;
}
afterAll(async () => {
  await Promise.all(logs.map((l) => l.close()));
});

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("publish and subscribe over TLS + SCRAM-SHA-512", async () => {
  const topic = `sasl-ssl-${randomUUID().slice(0, 8)}`;
  const log = eventLog("sasl-ssl-check", scram(password));
  await log.ensureTopics([{ name: topic, partitions: 2 }]);
  const seen: string[] = [];
  const subscription = await log.subscribe({
    groupId: `sasl-ssl-${topic}`,
    topics: [topic],
    fromBeginning: true,
    handleBatch: async (batch) => {
      for (const r of batch.records) seen.push(new TextDecoder().decode(r.value));
    },
  });
  try {
    await log.publish(topic, [
      { key: "chat-a", value: new TextEncoder().encode("one") },
      { key: "chat-a", value: new TextEncoder().encode("two") },
    ]);
    await until(() => seen.length >= 2, "both records consumed over SASL_SSL");
    expect(seen).toEqual(["one", "two"]);
  } finally {
    await subscription.stop();
  }
}, 120_000);

test("a wrong password fails with a SASL authentication error", async () => {
  const log = eventLog("sasl-ssl-wrong", scram(`${password}-wrong`));
  await expect(log.ensureTopics([{ name: `sasl-ssl-${randomUUID().slice(0, 8)}`, partitions: 1 }])).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
}, 120_000);

test("a client that does not trust the run's CA is refused at the TLS handshake", async () => {
  const log = eventLog("sasl-ssl-untrusted", { ...scram(password), caFile: undefined });
  await expect(log.ensureTopics([{ name: `sasl-ssl-${randomUUID().slice(0, 8)}`, partitions: 1 }])).rejects.toThrow(/self.signed|unable to (get|verify)|certificate/i);
}, 120_000);
