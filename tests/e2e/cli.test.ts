import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { browseLogin } from "./support/pkce-login";
import { until } from "./support/until";
import { WsClient } from "./support/ws-client";

// The `chat` CLI as separate OS processes against a real all-in-one: a real login through the
// dev issuer (this test plays the browser), then create / send / tail / chats.
const BIN = join(import.meta.dirname, "..", "..", "packages", "cli", "bin", "chat.mjs");
// Every command is a fresh Node process (a second or more each on a busy 2-core machine).
const SLOW = 120_000;

let h: Harness;
let server: { issuer: string; api: string; ws: string };
beforeAll(async () => {
  h = await startHarness();
  server = { issuer: h.app.issuer, api: h.apiUrl, ws: h.wsUrl };
}, SLOW);
afterAll(async () => {
  await h.stop();
});

interface Run {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number>;
  // Resolves when stdout (or stderr) matches.
  waitFor(re: RegExp, stream?: "out" | "err"): Promise<string>;
}

function start(configHome: string, args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", HOME: configHome, XDG_CONFIG_HOME: configHome }, stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = {
    child,
    out: "",
    err: "",
    exit: new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : -1)))),
    waitFor(re, stream = "out") {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = (stream === "out" ? run.out : run.err).match(re);
          if (m) {
            child.stdout.off("data", check);
            child.stderr.off("data", check);
            resolve(m[0]);
          }
        };
        child.stdout.on("data", check);
        child.stderr.on("data", check);
        void run.exit.then((code) => reject(new Error(`chat ${args.join(" ")} exited with ${code} before ${re}\nstdout: ${run.out}\nstderr: ${run.err}`)));
        check();
      });
    },
  };
  child.stdout.on("data", (d: Buffer) => (run.out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (run.err += d.toString()));
  return run;
}

async function chat(configHome: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = start(configHome, args);
  const code = await r.exit;
  return { code, out: r.out, err: r.err };
}

// `chat login`, with this test as the person at the browser.
async function login(user: string): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), `chat-cli-${user}-`));
  const run = start(home, ["login", "--issuer", server.issuer, "--api", server.api, "--ws", server.ws]);
  const url = (await run.waitFor(/^http\S+$/m)).trim();
  const back = await browseLogin(url, user, (u) => u.hostname === "127.0.0.1" && u.pathname === "/callback");
  // The browser follows the last redirect to the CLI's loopback listener.
  const page = await fetch(back);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Logged in");
  expect(await run.exit).toBe(0);
  expect(run.err).toContain(`Logged in as ${user}`);
  return home;
}

const sessionFile = (home: string) => join(home, "chat", "session.json");

let alice: string;
let bob: string;
let chatId: string;

test("chat login: Authorization Code + PKCE through the dev issuer; tokens stored with mode 0600", async () => {
  alice = await login("alice");
  bob = await login("bob");
  expect(statSync(sessionFile(alice)).mode & 0o777).toBe(0o600);
  expect(statSync(join(alice, "chat")).mode & 0o777).toBe(0o700);
  const session = JSON.parse(readFileSync(sessionFile(alice), "utf8"));
  expect(session).toMatchObject({ user: "alice", issuer: server.issuer, apiUrl: server.api, wsUrl: server.ws, refreshToken: expect.any(String) });
  const who = await chat(alice, "whoami");
  expect(who.code).toBe(0);
  expect(who.out).toMatch(/^alice$/m);
}, SLOW);

test("chat create / chats / send / tail as separate processes; tail shows history, then live messages, typing and receipts", async () => {
  const created = await chat(alice, "create", "--title", "lunch", "--member", "bob");
  expect(created.code).toBe(0);
  chatId = created.out.trim();
  expect(chatId).toMatch(/^c_/);

  const first = await chat(alice, "send", chatId, "first", "message");
  expect(first).toMatchObject({ code: 0, out: "1\n" });

  const list = await chat(bob, "chats");
  expect(list.code).toBe(0);
  expect(list.out).toContain(chatId);
  expect(list.out).toContain("lunch");
  const json = await chat(bob, "chats", "--json");
  expect(JSON.parse(json.out.trim().split("\n")[0])).toMatchObject({ chatId, title: "lunch", lastSeq: "1", direct: false });

  // bob follows the chat: the history first…
  const tail = start(bob, ["tail", chatId, "--read"]);
  await tail.waitFor(/#1 \S+ alice: first message/);
  await tail.waitFor(/Following lunch as bob/, "err");
  // …then live: a message from another CLI process,
  const second = await chat(alice, "send", chatId, "second");
  expect(second).toMatchObject({ code: 0, out: "2\n" });
  await tail.waitFor(/#2 \S+ alice: second/);
  // typing and a read receipt from alice's app,
  const ws = await WsClient.connect(h.wsUrl, await h.token("alice"));
  ws.send({ typing: { chatId, active: true } });
  await tail.waitFor(/\* alice is typing…/);
  await ws.request({ read: { chatId, seq: "2" } });
  await tail.waitFor(/\* alice read up to #2/);
  await ws.close();
  // and bob's --read made his receipt visible to others (marked asynchronously, coalesced).
  const api = await h.api("alice");
  await until(async () => (await api.getReceipts({ chatId })).receipts.find((r) => r.userId === "bob")?.readSeq === 2n, 20_000, "bob's read receipt at #2");

  tail.child.kill("SIGINT");
  expect(await tail.exit).toBe(0);
  // Each message printed once.
  expect(tail.out.match(/alice: second/g)).toHaveLength(1);
}, SLOW);

test("sending again with the same --id stores the message once", async () => {
  const a = await chat(alice, "send", "--id", "cli-retry-1", chatId, "only once");
  const b = await chat(alice, "send", "--id", "cli-retry-1", chatId, "only once");
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  expect(b.out).toBe(a.out);
  expect(b.err).toContain("Already stored");
}, SLOW);

test("an expired access token is refreshed on use and the new tokens are stored", async () => {
  const before = JSON.parse(readFileSync(sessionFile(alice), "utf8"));
  writeFileSync(sessionFile(alice), JSON.stringify({ ...before, expiresAt: Date.now() - 1000 }), { mode: 0o600 });
  const r = await chat(alice, "chats");
  expect(r.code).toBe(0);
  const after = JSON.parse(readFileSync(sessionFile(alice), "utf8"));
  expect(after.accessToken).not.toBe(before.accessToken);
  expect(after.expiresAt).toBeGreaterThan(Date.now() + 60_000);
  expect(after.refreshToken).not.toBe(before.refreshToken); // rotated
  expect(statSync(sessionFile(alice)).mode & 0o777).toBe(0o600);
}, SLOW);

test("bad input: each case prints a clear message and exits non-zero (2 usage, 4 refused)", async () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ["no arguments to send", ["send"], 2, /missing required argument 'chat'/],
    ["an empty message", ["send", "c_x", "  "], 2, /the message is empty/],
    ["a chat id with a space", ["send", "bad id", "hi"], 2, /chatId has characters outside/],
    ["a group without members", ["create", "--title", "solo"], 2, /at least one --member/],
    ["a group without a title", ["create", "--member", "bob"], 2, /needs --title/],
    ["a direct chat with two members", ["create", "--direct", "--member", "bob", "--member", "carol"], 2, /exactly one --member/],
    ["an unknown command", ["launch"], 2, /unknown command 'launch'/],
    ["an unknown option", ["chats", "--colour"], 2, /unknown option '--colour'/],
    ["a bad --history", ["tail", "c_x", "--history", "-3"], 2, /--history must be a whole number/],
    ["a chat that does not exist", ["send", "c_doesnotexist", "hi"], 4, /not_found/],
    ["tail of a chat that does not exist", ["tail", "c_doesnotexist", "--no-follow"], 4, /not_found/],
  ];
  // Independent processes: a few side by side.
  const results: Array<{ code: number; out: string; err: string }> = [];
  for (let i = 0; i < cases.length; i += 3) results.push(...(await Promise.all(cases.slice(i, i + 3).map(([, args]) => chat(alice, ...args)))));
  const got = results.map((r, i) => ({ what: cases[i][0], code: r.code, err: r.err.trim() }));
  const want = cases.map(([what, , code, re]) => ({ what, code, err: expect.stringMatching(re) }));
  expect(got).toEqual(want);
}, SLOW);

test("bad login options are refused before anything is started", async () => {
  const home = mkdtempSync(join(tmpdir(), "chat-cli-x-"));
  const r = await chat(home, "login", "--issuer", "http://example.com", "--timeout", "5");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/plain http on a non-loopback host/);
  const bad = await chat(home, "login", "--api", "ftp://x");
  expect(bad.code).toBe(2);
}, SLOW);

test("without a login, or after logout, commands exit 3 and say how to log in", async () => {
  const nobody = mkdtempSync(join(tmpdir(), "chat-cli-nobody-"));
  const r = await chat(nobody, "chats");
  expect(r.code).toBe(3);
  expect(r.err).toMatch(/not logged in\n\s+run: chat login/);

  const out = await chat(bob, "logout");
  expect(out.code).toBe(0);
  expect(out.err).toContain("Logged out (bob)");
  const after = await chat(bob, "chats");
  expect(after.code).toBe(3);
}, SLOW);

test("a server that is down exits 5", async () => {
  const home = mkdtempSync(join(tmpdir(), "chat-cli-down-"));
  const session = JSON.parse(readFileSync(sessionFile(alice), "utf8"));
  mkdirSync(join(home, "chat"), { mode: 0o700 });
  writeFileSync(sessionFile(home), JSON.stringify({ ...session, apiUrl: "http://127.0.0.1:9", wsUrl: "ws://127.0.0.1:9/ws/v1" }), { mode: 0o600 });
  const r = await chat(home, "chats");
  expect(r.err).toMatch(/listing chats failed: cannot reach the server/);
  expect(r.code).toBe(5);
  const send = await chat(home, "send", "c_x", "hi");
  expect(send.err).toMatch(/cannot connect/);
  expect(send.code).toBe(5);
}, SLOW);
