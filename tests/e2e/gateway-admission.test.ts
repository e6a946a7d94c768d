import WebSocket from "ws";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { WsClient } from "./support/ws-client";

// Issue 10 item 10, gateway side: the token's `sub` must follow the id rule (checked by the
// verifier WebSocket and REST share), and per-IP bounds on sockets that have not authenticated.

// Opens a socket without authenticating; resolves with the HTTP status when the upgrade is refused.
function rawOpen(url: string): Promise<{ ws?: WebSocket; status?: number; retryAfter?: string; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode, retryAfter: res.headers["retry-after"] as string, body }));
    });
    ws.once("error", (e) => (e.message.includes("Unexpected server response") ? undefined : reject(e)));
  });
}

describe("token subject", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  test.each([
    ["a path", "../x"],
    ["300 characters", "a".repeat(300)],
    ["a NUL", "a\u0000b"],
  ])("a signed token whose sub is %s is refused: WebSocket 4401 unauthenticated, REST 401", async (_name, sub) => {
    const token = await h.app.devIssuer!.mintAccessToken(sub);
    const c = await WsClient.open(h.wsUrl);
    c.send({ requestId: "auth", auth: { accessToken: token } });
    expect((await c.closed).code).toBe(4401);
    expect(c.frames[0].error).toMatchObject({ code: "unauthenticated", frame: "auth" });
    expect(c.frames[0].error.message).toMatch(/subject is not a valid user id/);

    const res = await fetch(`${h.apiUrl}/api/v1/chats`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
  });
});

describe("unauthenticated sockets per IP", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ CHAT_MAX_UNAUTHENTICATED_PER_IP: "3", CHAT_AUTH_TIMEOUT_MS: "30000" });
  });
  afterAll(() => h.stop());

  test("past the bound the upgrade is refused 429 until one of them authenticates or leaves", async () => {
    const open = [await rawOpen(h.wsUrl), await rawOpen(h.wsUrl), await rawOpen(h.wsUrl)];
    expect(open.every((o) => o.ws)).toBe(true);
    const refused = await rawOpen(h.wsUrl);
    expect(refused).toMatchObject({ status: 429, retryAfter: "1" });
    expect(JSON.parse(refused.body!)).toMatchObject({ code: "rate_limited" });

    // One authenticates: it no longer counts, so a new socket is admitted.
    const authed = open[0].ws!;
    const hello = new Promise((r) => authed.once("message", r));
    authed.send(JSON.stringify({ requestId: "a", auth: { accessToken: await h.token("alice") } }));
    await hello;
    const fourth = await rawOpen(h.wsUrl);
    expect(fourth.ws).toBeDefined();
    // One leaves: room for another.
    expect((await rawOpen(h.wsUrl)).status).toBe(429);
    const closed = new Promise((r) => open[1].ws!.once("close", r));
    open[1].ws!.close();
    await closed;
    let again = await rawOpen(h.wsUrl);
    // The server may see the close a moment after the client does.
    for (let i = 0; again.status === 429 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await rawOpen(h.wsUrl);
    }
    expect(again.ws).toBeDefined();
    for (const ws of [authed, open[2].ws!, fourth.ws!, again.ws!]) ws.close();
  });
});

describe("new connections per IP", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ CHAT_WS_CONNECT_RATE_PER_IP: "1:4" });
  });
  afterAll(() => h.stop());

  test("a burst of connections past the IP's budget is refused 429 with retry-after", async () => {
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(await h.connect("bob"));
    const refused = await rawOpen(h.wsUrl);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    for (const c of clients) await c.close();
  });
});
