import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sendWithRetry } from "../support/send-with-retry";
import { requiredEnv } from "./support/required-env";
import { waitUntil } from "./support/cluster";
import { Topology } from "./support/topology";

// Issue 10 item 13c (consumer side): Kafka unavailable for 10 s must not take the fanout
// consumers out of their group for long; live delivery is back within 5 s of the fault's end.
// The test stops a broker of its own (started next to the run's servers, so the suites running
// in parallel keep theirs): a controlled shutdown, then a start on the same port and data.
// Connections are refused meanwhile, which is what made the consumers crash.
const FAULT_MS = 10_000;
const RUN = join(requiredEnv("CHAT_INFRA_RUN"), "kafka-outage");
// Asynchronous: the test's clients must keep answering the gateways' pings meanwhile.
const kafka = (command: "start" | "suspend" | "resume" | "stop") =>
  new Promise<void>((res, rej) => {
    const script = resolve(import.meta.dirname, "../../scripts/infra/kafka.sh");
    const child = spawn("bash", [script, command], { env: { ...process.env, CHAT_INFRA_RUN: RUN }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    child.once("exit", (code) => (code === 0 ? res() : rej(new Error(`kafka.sh ${command} exited ${code}: ${err}`))));
  });
let topology: Topology;

beforeAll(async () => {
  await kafka("start");
  const brokers = /^CHAT_KAFKA_BROKERS=(.*)$/m.exec(readFileSync(join(RUN, "kafka.env"), "utf8"))![1];
  topology = new Topology({ all: { CHAT_KAFKA_BROKERS: brokers } });
  await topology.start({ fanouts: 2 });
}, 240_000);
afterAll(async () => {
  await topology?.stop();
  await kafka("stop");
}, 120_000);

test("after Kafka was stopped for 10 s, pushes flow again within 5 s of the end of the fault", async () => {
  const chatId = await topology.createGroup("alice", ["bob"]);
  const alice = await topology.connect("alice", 1);
  const bob = await topology.connect("bob", 2);
  await sendWithRetry(alice, { chatId, clientMessageId: "o-0", body: "before" });
  await bob.messages(chatId, 1, 30_000);

  await kafka("suspend");
  const faultStart = Date.now();
  // The fault's length, not a wait for the pipeline. No sends meanwhile: what happens to a send
  // during the outage is ingest's part (the outbox); this measures the consumers' return.
  await new Promise((r) => setTimeout(r, FAULT_MS - (Date.now() - faultStart)));
  let n = 0;
  await kafka("resume");
  // The fault ends when the broker answers again (resume waits for that).
  const faultEnd = Date.now();

  // A message sent after the fault, pushed live: how long after the fault's end.
  let live = 0;
  await waitUntil(
    async () => {
      const ack = await sendWithRetry(alice, { chatId, clientMessageId: `o-${++n}`, body: `after ${n}` });
      live = await bob.waitFor((f) => f.message?.chatId === chatId && f.message.seq === ack.seq, 1000).then(
        () => Date.now(),
        () => 0,
      );
      return live > 0;
    },
    120_000,
    "a live push after the fault",
  );
  const recoveryMs = live - faultEnd;
  process.stdout.write(`kafka stopped ${FAULT_MS} ms: live delivery back ${recoveryMs} ms after the fault ended\n`);
  const crashes = topology.fanouts.flatMap((f) => f.output.join("").split("\n")).filter((l) => l.includes("Crash"));
  process.stdout.write(`fanout consumer crashes during the fault: ${crashes.length}\n`);
  const closed = await Promise.race([alice.closed, bob.closed, Promise.resolve(undefined)]);
  expect(closed).toBeUndefined();
  expect(recoveryMs).toBeLessThan(5000);
}, 240_000);
