import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Cluster, freePort, waitUntil, type ServiceProcess } from "./support/cluster";

// Issue 9 point 4: a /metrics scrape while Kafka is down used to kill fanout (the consumer-lag
// gauge asked Kafka's admin API and its rejection went unhandled). This suite runs its OWN broker
// (scripts/infra/kafka.sh in a private run folder) so killing it disturbs no other suite.

const KAFKA_SH = resolve(import.meta.dirname, "../../scripts/infra/kafka.sh");
const run = mkdtempSync(join(tmpdir(), "chat-metrics-kafka-"));

function kafka(command: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn("bash", [KAFKA_SH, command], { env: { ...process.env, CHAT_INFRA_RUN: run }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    child.once("error", rej);
    child.once("exit", (code) => (code === 0 ? res() : rej(new Error(`kafka.sh ${command} exited ${code}:\n${err}`))));
  });
}

const cluster = new Cluster();
let fanout: ServiceProcess;
let port: number;
beforeAll(async () => {
  await kafka("start");
  const brokers = /CHAT_KAFKA_BROKERS=(\S+)/.exec(readFileSync(join(run, "kafka.env"), "utf8"))![1];
  await cluster.start();
  port = await freePort();
  fanout = await cluster.spawn("fanout", "fanout", { CHAT_KAFKA_BROKERS: brokers, CHAT_FANOUT_HTTP_PORT: String(port) }, port);
}, 180_000);
afterAll(async () => {
  await cluster.stop();
  await kafka("stop").catch(() => undefined);
  rmSync(run, { recursive: true, force: true });
}, 60_000);

test("with Kafka killed, /metrics keeps answering 200 and fanout stays alive", async () => {
  const scrape = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    return { status: r.status, body: await r.text() };
  };
  const before = await scrape();
  expect(before.status).toBe(200);
  expect(before.body).toMatch(/^fanout_consumer_lag_up\{service="fanout"\} 1$/m);

  const pid = Number(readFileSync(join(run, "kafka", "kafka.pid"), "utf8").trim());
  process.kill(pid, "SIGKILL");
  await waitUntil(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 30_000, "the broker to be gone");

  // Several scrapes, over a few seconds: the admin client's rejections arrive asynchronously.
  for (let i = 0; i < 5; i++) {
    const down = await scrape();
    expect(down.status).toBe(200);
    // 0 while the admin reads fail; the consumer may also have dropped its assignment already
    // (nothing to read, so 1). Either way a value is reported, never a failed scrape.
    expect(down.body).toMatch(/^fanout_consumer_lag_up\{service="fanout"\} [01]$/m);
    expect(down.body).toMatch(/^fanout_consumer_lag\{service="fanout"\} \d+$/m);
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(fanout.child.exitCode).toBeNull();
  expect(fanout.child.signalCode).toBeNull();
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
}, 120_000);
