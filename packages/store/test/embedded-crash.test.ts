import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { createEmbeddedStore } from "../src/embedded";

// Kills a process that writes to the embedded store with SIGKILL at random moments, again and
// again, and checks after each kill that every write the process saw acknowledged is still
// there and that the store keeps taking writes (issue 10 item 5; LevelDB since ADR 0024).

const CHILD = resolve(import.meta.dirname, "support/journal-crash-child.ts");
const ITERATIONS = 20;
const CHATS = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"];

interface ChildRun {
  acked: Array<{ chatId: string; seq: bigint }>;
}

// Runs the writer until it acknowledged at least `minAcks` writes, waits a random while, then
// SIGKILLs it.
async function runAndKill(dataDir: string, minAcks: number, extraMs: number): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, CHATS.join(",")], { stdio: ["ignore", "pipe", "pipe"] });
  const acked: ChildRun["acked"] = [];
  const stderr: string[] = [];
  child.stderr.on("data", (d) => stderr.push(String(d)));
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  let reached: () => void;
  const enough = new Promise<void>((res) => (reached = res));
  createInterface({ input: child.stdout }).on("line", (line) => {
    const [word, chatId, seq] = line.split(" ");
    if (word !== "ack") return;
    acked.push({ chatId, seq: BigInt(seq) });
    if (acked.length >= minAcks) reached();
  });
  const failed = exited.then(() => {
    throw new Error(`writer exited before it was killed:\n${stderr.join("")}`);
  });
  await Promise.race([enough, failed]);
  await new Promise((r) => setTimeout(r, extraMs));
  child.kill("SIGKILL");
  await exited;
  return { acked };
}

test(
  "every acknowledged write survives repeated SIGKILLs mid-write, and appends keep working",
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "chat-crash-"));
    const allAcked: ChildRun["acked"] = [];
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        const { acked } = await runAndKill(dataDir, 1 + Math.floor(Math.random() * 20), Math.floor(Math.random() * 60));
        allAcked.push(...acked);
        const store = createEmbeddedStore({ dataDir });
        await store.bootstrap();
        for (const { chatId, seq } of allAcked) {
          const m = await store.getMessage(chatId, seq);
          if (!m) throw new Error(`iteration ${i}: acknowledged ${chatId}#${seq} is missing after restart`);
        }
        for (const chatId of CHATS) {
          const maxAcked = allAcked.filter((a) => a.chatId === chatId).reduce((m, a) => (a.seq > m ? a.seq : m), 0n);
          expect(await store.currentSeq(chatId)).toBeGreaterThanOrEqual(maxAcked);
        }
        // The store takes a write after the crash, and it survives the next restart.
        const probeSeq = await store.allocateSeq("probe");
        await store.close();
        const reopened = createEmbeddedStore({ dataDir });
        await reopened.bootstrap();
        expect(await reopened.currentSeq("probe")).toBe(probeSeq);
        await reopened.close();
      }
      expect(allAcked.length).toBeGreaterThan(ITERATIONS);
      console.log(`${ITERATIONS} kills, ${allAcked.length} acknowledged writes checked`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
  180_000,
);
