// The all-in-one store under volume (issue 7: after 1,000,000 stored messages RSS ≤ 300 MB and
// start-up ≤ 2 s). Fills the embedded store through the Store port the way ingest writes a send
// (allocateSeq, commitMessage with its outbox entry, then deleteOutbox once published), many
// sends in flight across many chats, in a child process; then opens the same data directory in a
// fresh process, times the open and reads history pages. Prints ONE JSON object on stdout
// (progress goes to stderr).
//
//   node --import tsx bench/embedded-store/fill-and-restart.ts [--messages 1000000] [--chats 10000]
//     [--concurrency 512] [--max-seconds 900] [--data-dir DIR] [--keep]
//
// The fill stops early (reported as reached < requested) at --max-seconds or when the fill
// process dies (e.g. out of memory), so a store that cannot get there still gets a figure.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatKind, ChatSchema, MemberRole, MemberSchema, MessageSchema } from "@chat/proto";
import { createEmbeddedStore } from "@chat/store/embedded";
import type { OutboxEntry, Store } from "@chat/store";

const { values: args } = parseArgs({
  options: {
    phase: { type: "string", default: "main" },
    messages: { type: "string", default: "1000000" },
    chats: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "512" },
    "max-seconds": { type: "string", default: "900" },
    "data-dir": { type: "string" },
    keep: { type: "boolean", default: false },
  },
});

const MESSAGES = Number(args.messages);
const CHATS = Number(args.chats);
const CONCURRENCY = Number(args.concurrency);
const MAX_SECONDS = Number(args["max-seconds"]);
const MEMBERS_PER_CHAT = 5;
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const chatId = (i: number) => `bench-chat-${i}`;

// From /proc/self/status, in bytes: VmHWM (peak RSS), RssAnon (heap, malloc) and RssFile
// (file pages mapped into the process: LevelDB reads its table files through mmap; the kernel
// can drop those pages under memory pressure).
function status(field: "VmHWM" | "RssAnon" | "RssFile"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}
const peakRss = () => status("VmHWM");
const rssParts = () => ({ anonMiB: mib(status("RssAnon")), fileMiB: mib(status("RssFile")) });

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const WORDS = "the quick brown fox jumps over a lazy dog while seven chat users send short notes about lunch plans and code reviews".split(" ");
// 100–200 bytes of text, different per message (so compression does not flatter the store).
function body(i: number): string {
  let s = `#${i} `;
  let x = i * 2654435761;
  const target = 100 + (i % 101);
  while (s.length < target) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += WORDS[x % WORDS.length] + " ";
  }
  return s.slice(0, target);
}

async function fill(dataDir: string): Promise<void> {
  const startedAt = performance.now();
  const store = createEmbeddedStore({ dataDir });
  await store.bootstrap();
  for (let c = 0; c < CHATS; c += 100) {
    const batch: Promise<void>[] = [];
    for (let k = c; k < Math.min(CHATS, c + 100); k++) {
      const id = chatId(k);
      const members = Array.from({ length: MEMBERS_PER_CHAT }, (_, u) => create(MemberSchema, { chatId: id, userId: `bench-user-${(k + u * 7919) % (CHATS * 2)}`, role: u === 0 ? MemberRole.ADMIN : MemberRole.MEMBER, joinedAt: timestampFromMs(Date.now()) }));
      batch.push(store.createChat(create(ChatSchema, { chatId: id, kind: ChatKind.GROUP, title: `bench ${k}`, createdBy: members[0].userId, createdAt: timestampFromMs(Date.now()) }), members, []));
    }
    await Promise.all(batch);
  }
  const t0 = performance.now();
  const cpu0 = cpuSeconds();
  const deadline = t0 + MAX_SECONDS * 1000;
  let next = 0;
  let written = 0;
  let lastReport = t0;
  async function send(store: Store, i: number): Promise<void> {
    const chat = chatId(i % CHATS);
    const sender = `bench-user-${i % (CHATS * 2)}`;
    const seq = await store.allocateSeq(chat);
    const message = create(MessageSchema, { chatId: chat, seq, messageId: `m-${i}`, senderId: sender, clientMessageId: `cm-${i}`, body: body(i), contentType: "text/plain", createdAt: timestampFromMs(Date.now()) });
    const entry: OutboxEntry = { id: `ob-${i}`, topic: "messages.persisted", key: chat, payload: new Uint8Array(64), createdAtMs: Date.now(), seq };
    const r = await store.commitMessage(message, IDEMPOTENCY_TTL_MS, [entry]);
    if (r.status !== "committed") throw new Error(`send ${i} was not committed: ${r.status}`);
    await store.deleteOutbox([entry]);
  }
  async function worker(): Promise<void> {
    while (next < MESSAGES && performance.now() < deadline) {
      await send(store, next++);
      written++;
      const now = performance.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        const line = { progress: written, seconds: (now - t0) / 1000, rssMiB: mib(process.memoryUsage().rss) };
        process.stdout.write(JSON.stringify(line) + "\n");
        process.stderr.write(`fill: ${JSON.stringify(line)}\n`);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const rssAfterFill = process.memoryUsage().rss;
  // What stays once garbage is collected: the store's own memory (cache, buffers, indexes) and
  // whatever it retains on the JavaScript heap.
  (globalThis as { gc?: () => void }).gc?.();
  const settled = process.memoryUsage();
  await store.close();
  const result = {
    done: true,
    messages: written,
    seconds: round(seconds),
    messagesPerSecond: Math.round(written / seconds),
    cpuSecondsPerThousandMessages: Math.round((cpu / written) * 1e6) / 1000,
    rssAfterFillMiB: mib(rssAfterFill),
    rssAfterFillAndGcMiB: mib(settled.rss),
    rssAfterFillAndGcParts: rssParts(),
    heapUsedAfterGcMiB: mib(settled.heapUsed),
    peakRssMiB: mib(peakRss()),
    totalSeconds: round((performance.now() - startedAt) / 1000),
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

async function reopen(dataDir: string, expected: number): Promise<void> {
  // performance.now() counts from the start of this process: the open below is what the
  // all-in-one does at start-up before it can serve.
  const beforeOpen = performance.now();
  const store = createEmbeddedStore({ dataDir });
  await store.bootstrap();
  const opened = performance.now();
  const rssAfterOpen = process.memoryUsage().rss;
  // Every send that was acknowledged is counted by its chat's counter.
  let total = 0n;
  for (let c = 0; c < CHATS; c++) total += await store.currentSeq(chatId(c));
  const countSeconds = (performance.now() - opened) / 1000;
  // History pages as a client scrolling back: the newest page, then three older ones, of 200
  // chats spread over the key space.
  const latencies: number[] = [];
  let read = 0;
  for (let k = 0; k < 200; k++) {
    const chat = chatId((k * 7907) % CHATS);
    let before = (await store.currentSeq(chat)) + 1n;
    for (let page = 0; page < 4 && before > 1n; page++) {
      const t = performance.now();
      const items = await store.listMessages(chat, { beforeSeq: before, limit: 50 });
      latencies.push(performance.now() - t);
      read += items.length;
      if (items.length === 0) break;
      before = items[0].seq;
    }
  }
  latencies.sort((a, b) => a - b);
  const result = {
    done: true,
    processStartToOpenMs: round(opened),
    openMs: round(opened - beforeOpen),
    rssAfterOpenMiB: mib(rssAfterOpen),
    countedMessages: Number(total),
    countMatches: Number(total) === expected,
    countAllChatsSeconds: round(countSeconds),
    historyPages: latencies.length,
    historyMessagesRead: read,
    historyPageP50Ms: round(latencies[Math.floor(latencies.length * 0.5)] ?? 0),
    historyPageP99Ms: round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    rssAfterReadsMiB: mib(process.memoryUsage().rss),
    rssAfterReadsParts: rssParts(),
  };
  await store.close();
  process.stdout.write(JSON.stringify(result) + "\n");
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

// Runs one phase in a fresh node process; returns its last JSON line (the result, or the last
// progress line if it died) and how it ended.
function phase(name: string, dataDir: string, extra: string[] = []): Promise<{ last: Record<string, unknown> | undefined; code: number | null; signal: string | null; stderrTail: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", import.meta.filename, "--phase", name, "--data-dir", dataDir, "--messages", String(MESSAGES), "--chats", String(CHATS), "--concurrency", String(CONCURRENCY), "--max-seconds", String(MAX_SECONDS), ...extra], { stdio: ["ignore", "pipe", "pipe"] });
    let last: Record<string, unknown> | undefined;
    let buf = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          last = JSON.parse(line) as Record<string, unknown>;
        } catch {
          // not a result line
        }
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d);
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on("exit", (code, signal) => resolve({ last, code, signal, stderrTail: stderr }));
  });
}

if (args.phase === "fill") {
  await fill(args["data-dir"]!);
} else if (args.phase === "reopen") {
  await reopen(args["data-dir"]!, Number(process.env.BENCH_EXPECTED ?? "0"));
} else {
  const dataDir = args["data-dir"] ?? mkdtempSync(join(tmpdir(), "bench-embedded-store-"));
  try {
    const filled = await phase("fill", dataDir);
    const reached = typeof filled.last?.messages === "number" ? filled.last.messages : typeof filled.last?.progress === "number" ? filled.last.progress : 0;
    const fillResult = filled.last?.done ? filled.last : { died: true, exitCode: filled.code, signal: filled.signal, lastProgress: filled.last, stderrTail: filled.stderrTail };
    process.env.BENCH_EXPECTED = String(reached);
    const reopened = await phase("reopen", dataDir);
    const du = await new Promise<string>((res) => {
      const c = spawn("du", ["-sb", dataDir]);
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.on("exit", () => res(out.split("\t")[0]));
    });
    const result = {
      scenario: "embedded-store-fill-and-restart",
      requestedMessages: MESSAGES,
      chats: CHATS,
      concurrency: CONCURRENCY,
      reachedMessages: reached,
      dataDirMiB: mib(Number(du)),
      fill: fillResult,
      reopen: reopened.last?.done ? reopened.last : { died: true, exitCode: reopened.code, signal: reopened.signal, stderrTail: reopened.stderrTail },
      goals: { rssMiB: 300, startupMs: 2000 },
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}
