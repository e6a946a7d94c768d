// Manual experiment (not a test): Kafka suspended for ~12 s while 30 chats publish; counts
// MaxListenersExceededWarning. Run with the adapter under test.
import { execFileSync } from "node:child_process";
import { createKafkaEventLog } from "../packages/eventlog/src/kafka/index.ts";
const warnings: string[] = [];
process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`));
const log = createKafkaEventLog({ brokers: process.env.CHAT_KAFKA_BROKERS!.split(","), clientId: "stop-exp", logger: { debug() {}, info() {}, warn() {}, error() {} } });
await log.ensureTopics([{ name: "stop-exp", partitions: 8 }]);
await log.publish("stop-exp", [{ key: "k", value: new Uint8Array(10) }]);
let stop = false;
let ok = 0, failed = 0;
const lanes = Array.from({ length: 30 }, async (_, i) => {
  while (!stop) {
    try { await log.publish("stop-exp", [{ key: `chat-${i}`, value: new Uint8Array(100) }]); ok++; } catch { failed++; await new Promise((r) => setTimeout(r, 200)); }
  }
});
await new Promise((r) => setTimeout(r, 1000));
const t0 = Date.now();
execFileSync("bash", ["scripts/infra/kafka.sh", "suspend"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 12_000));
execFileSync("bash", ["scripts/infra/kafka.sh", "resume"], { stdio: "ignore" });
console.log("outage+resume took", Date.now() - t0, "ms");
await new Promise((r) => setTimeout(r, 8000));
stop = true;
await Promise.race([Promise.all(lanes), new Promise((r) => setTimeout(r, 30000))]);
console.log({ ok, failed, warnings });
await log.close();
process.exit(0);
