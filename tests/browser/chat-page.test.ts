import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatKind, createChatClient } from "@chat/client/node";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { canListen, freePorts, startAllInOneProcess, type AllInOneProcess } from "./support/all-in-one-process";

// Two people chat in headless Chromium (Debian's package; `make test-browser` installs it) on
// the web page of a real all-in-one process, which is restarted in the middle.
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const SHOTS = join(import.meta.dirname, "..", "..", ".test-results", "browser");
// Generous: two Chromium pages and the all-in-one share a busy 2-core machine.
const WAIT = { timeout: 30_000 };

let server: AllInOneProcess;
let env: Record<string, string>;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "chat-browser-"));
  const [gateway, gatewayGrpc, chatmgmt, chatmgmtGrpc, issuer, ingestGrpc, ingestHttp, fanoutHttp] = await freePorts(8);
  env = {
    CHAT_GATEWAY_PORT: String(gateway),
    CHAT_GATEWAY_GRPC_PORT: String(gatewayGrpc),
    CHAT_CHATMGMT_PORT: String(chatmgmt),
    CHAT_CHATMGMT_GRPC_PORT: String(chatmgmtGrpc),
    CHAT_DEV_ISSUER_PORT: String(issuer),
    CHAT_INGEST_GRPC_PORT: String(ingestGrpc),
    CHAT_INGEST_ADDRESS: `http://127.0.0.1:${ingestGrpc}`,
    CHAT_INGEST_HTTP_PORT: String(ingestHttp),
    CHAT_FANOUT_HTTP_PORT: String(fanoutHttp),
    CHAT_STORE_DATA_DIR: join(dataDir, "store"),
    CHAT_DRAIN_TIMEOUT_MS: "3000",
    CHAT_LOG_LEVEL: "warn",
  };
  server = await startAllInOneProcess(env);
  mkdirSync(SHOTS, { recursive: true });
  // launch() gives every run a fresh temporary user-data-dir.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
}, 60_000);

async function openAs(user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => process.stderr.write(`[${user} page error] ${e.message}\n`));
  await page.goto(server.webUrl);
  await page.getByTestId("login").click();
  // The development issuer's login page: pick a user name.
  await page.locator('input[name="login"]').fill(user, WAIT);
  await page.locator("#submit").click();
  await page.getByTestId("me").filter({ hasText: user }).waitFor(WAIT);
  await page.locator('[data-testid="conn-state"].open').waitFor(WAIT);
  return page;
}

const message = (page: Page, text: string) => page.getByTestId("message").filter({ hasText: text });

test("alice and bob log in, chat both ways with typing and read receipts, and the page survives a server restart", async () => {
  const alice = await openAs("alice");
  const bob = await openAs("bob");

  // alice creates a chat with bob; it appears on bob's list by itself (membership push).
  await alice.getByTestId("new-chat-title").fill("lunch");
  await alice.getByTestId("new-chat-members").fill("bob");
  await alice.getByTestId("new-chat-create").click();
  await alice.getByTestId("chat-title").filter({ hasText: "lunch" }).waitFor(WAIT);
  await bob.getByTestId("chat-item").filter({ hasText: "lunch" }).click(WAIT);
  await bob.getByTestId("chat-title").filter({ hasText: "lunch" }).waitFor(WAIT);

  // Typing: alice types, bob sees it; nothing is sent until Enter.
  await alice.getByTestId("composer").pressSequentially("hi bob", { delay: 20 });
  await bob.getByTestId("typing").filter({ hasText: "alice is typing" }).waitFor(WAIT);
  await alice.getByTestId("composer").press("Enter");
  await message(bob, "hi bob").waitFor(WAIT);
  // bob has the chat open, so he has read it: alice sees the receipt under her message.
  await message(alice, "hi bob").getByTestId("msg-status").filter({ hasText: "read by bob" }).waitFor(WAIT);

  // And back.
  await bob.getByTestId("composer").fill("hi alice, pizza?");
  await bob.getByTestId("send").click();
  await message(alice, "hi alice, pizza?").waitFor(WAIT);
  await message(bob, "hi alice, pizza?").getByTestId("msg-status").filter({ hasText: "read by alice" }).waitFor(WAIT);
  await alice.screenshot({ path: join(SHOTS, "alice-chatting.png") });

  // A refused send keeps the text: over the 64 KiB body limit.
  const huge = "x".repeat(70 * 1024);
  await alice.getByTestId("composer").fill(huge);
  await alice.getByTestId("composer").press("Enter");
  await alice.getByTestId("send-error").waitFor(WAIT);
  expect(await alice.getByTestId("composer").inputValue()).toBe(huge);
  await alice.getByTestId("composer").fill("");
  await alice.getByTestId("dismiss").click();

  // The server goes away: both pages say so, and alice's send waits in the outbox.
  await server.stop();
  await alice.getByTestId("reconnecting").waitFor({ state: "visible", ...WAIT });
  await bob.getByTestId("reconnecting").waitFor({ state: "visible", ...WAIT });
  await alice.getByTestId("composer").fill("sent while the server was down");
  await alice.getByTestId("composer").press("Enter");
  await message(alice, "sent while the server was down").getByTestId("msg-status").filter({ hasText: "sending" }).waitFor(WAIT);
  // The unsent message sits in the SDK's IndexedDB outbox of the real browser.
  expect(await pendingInOutbox(alice, "alice")).toEqual(["sent while the server was down"]);
  await alice.screenshot({ path: join(SHOTS, "alice-reconnecting.png") });

  // Same ports, same data: the pages reconnect on their own and catch up. (The old process has
  // exited; its sockets may linger a moment.)
  const ports = Object.entries(env).filter(([k]) => k.endsWith("_PORT")).map(([, v]) => Number(v));
  for (const deadline = Date.now() + 30_000; !(await Promise.all(ports.map(canListen))).every(Boolean); ) {
    if (Date.now() > deadline) throw new Error(`ports ${ports.join(", ")} still taken after the server stopped`);
    await new Promise((r) => setTimeout(r, 200));
  }
  server = await startAllInOneProcess(env);
  await alice.locator('[data-testid="conn-state"].open').waitFor(WAIT);
  await bob.locator('[data-testid="conn-state"].open').waitFor(WAIT);
  await expect(alice.getByTestId("reconnecting").isHidden()).resolves.toBe(true);
  await message(bob, "sent while the server was down").waitFor(WAIT);
  await message(alice, "sent while the server was down").getByTestId("msg-status").filter({ hasText: "read by bob" }).waitFor(WAIT);
  // Acknowledged: gone from the outbox.
  expect(await pendingInOutbox(alice, "alice")).toEqual([]);
  await bob.getByTestId("composer").fill("back again");
  await bob.getByTestId("composer").press("Enter");
  await message(alice, "back again").waitFor(WAIT);

  // Everything once, in order, on both pages.
  const bodies = ["hi bob", "hi alice, pizza?", "sent while the server was down", "back again"];
  for (const page of [alice, bob]) {
    const shown = await page.getByTestId("message").locator(".body").allTextContents();
    expect(shown).toEqual(bodies);
  }

  // Presence: bob comes back in a new window (online), then closes it (offline).
  await contexts[1].close();
  const bob2 = await openAs("bob");
  await alice.locator('[data-testid="member"][data-user="bob"][data-online="true"]').waitFor(WAIT);
  await bob2.context().close();
  await alice.locator('[data-testid="member"][data-user="bob"][data-online="false"]').waitFor(WAIT);
  await alice.screenshot({ path: join(SHOTS, "alice-after-restart.png") });

  // Creating a chat with a bad member name shows the error and keeps what was typed.
  await alice.getByTestId("new-chat-title").fill("typo");
  await alice.getByTestId("new-chat-members").fill("bob, not/valid");
  await alice.getByTestId("new-chat-create").click();
  await alice.getByTestId("new-chat-error").filter({ hasText: "invalid_argument" }).waitFor(WAIT);
  expect(await alice.getByTestId("new-chat-members").inputValue()).toBe("bob, not/valid");
  expect(await alice.getByTestId("new-chat-title").inputValue()).toBe("typo");
}, 300_000);

test("history on scroll: a chat with 70 earlier messages shows the newest page, then older pages as alice scrolls up", async () => {
  // carol writes 70 messages through the SDK before alice is a member, then adds her.
  const token = async () => {
    const res = await fetch(`${server.issuer}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "carol" }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const carol = createChatClient({ url: server.wsUrl, apiUrl: server.apiUrl, token });
  const { chat } = await carol.api.createChat({ kind: ChatKind.GROUP, title: "long history", memberIds: ["dave"] });
  await carol.connect();
  // One at a time, so seq order is send order (the SDK honours rate_limited retry-after).
  for (let i = 1; i <= 70; i++) await carol.send(chat!.chatId, `old ${i}`);
  await carol.api.addMember({ chatId: chat!.chatId, userId: "alice" });
  await carol.close();

  const alice = await openAs("alice");
  await alice.getByTestId("chat-item").filter({ hasText: "long history" }).click(WAIT);
  await message(alice, "old 70").waitFor(WAIT);
  const first = await alice.getByTestId("message").count();
  expect(first).toBeLessThan(70);
  await alice.getByTestId("history-state").filter({ hasText: "Scroll up" }).waitFor(WAIT);
  // Scroll to the top, wait for the older page, again, until the start of the chat.
  const reachedStart = () => alice.getByTestId("history-state").filter({ hasText: "Start of the chat" }).isVisible();
  for (let shown = first, pages = 0; !(await reachedStart()); pages++) {
    expect(pages).toBeLessThan(5);
    await alice.getByTestId("messages").evaluate((el) => el.scrollTo(0, 0));
    await alice.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="message"]').length > n || !!document.querySelector('[data-testid="history-state"]')?.textContent?.includes("Start"),
      shown,
      WAIT,
    );
    shown = await alice.getByTestId("message").count();
  }
  const bodies = await alice.getByTestId("message").locator(".body").allTextContents();
  expect(bodies).toEqual(Array.from({ length: 70 }, (_, i) => `old ${i + 1}`));
  await alice.screenshot({ path: join(SHOTS, "alice-history.png") });
}, 240_000);

test("a login that can no longer be refreshed sends the page back to the login screen, and logging in again works", async () => {
  const page = await openAs("erin");
  // As after an issuer restart: the access token is due and the refresh token is unknown.
  await page.evaluate(() => {
    const t = JSON.parse(sessionStorage.getItem("chat.tokens")!);
    sessionStorage.setItem("chat.tokens", JSON.stringify({ ...t, expiresAt: 0, refreshToken: "forgotten-by-the-issuer" }));
  });
  await page.reload();
  await page.getByTestId("login-error").filter({ hasText: "session expired" }).waitFor(WAIT);
  expect(await page.evaluate(() => sessionStorage.getItem("chat.tokens"))).toBeNull();
  await page.getByTestId("login").click();
  await page.locator('input[name="login"]').fill("erin", WAIT);
  await page.locator("#submit").click();
  await page.locator('[data-testid="conn-state"].open').waitFor(WAIT);
}, 120_000);

// Bodies of the entries in the page's IndexedDB outbox (@chat/client's IndexedDbOutboxStorage).
function pendingInOutbox(page: Page, user: string): Promise<string[]> {
  return page.evaluate(
    (db) =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onerror = () => reject(open.error ?? new Error("cannot open IndexedDB"));
        open.onsuccess = () => {
          const conn = open.result;
          if (!conn.objectStoreNames.contains("outbox")) return resolve([]);
          const all = conn.transaction("outbox", "readonly").objectStore("outbox").getAll();
          all.onerror = () => reject(all.error ?? new Error("cannot read the outbox"));
          all.onsuccess = () => resolve((all.result as Array<{ entry: { body: string } }>).map((r) => r.entry.body));
        };
      }),
    `chat-outbox-${user}`,
  );
}
