import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { startDevIssuer, type DevIssuer } from "@chat/identity/dev-issuer";
import { browseLogin, loginWithPkce, startPkce } from "./support/pkce-login";

// The development issuer's login page, driven over real HTTP as a browser would.
let issuer: DevIssuer;
beforeAll(async () => {
  issuer = await startDevIssuer({ host: "127.0.0.1", port: 0, audience: "chat-api" });
});
afterAll(async () => {
  await issuer.close();
});

function authorize(clientId: string, redirectUri: string, extra: Record<string, string> = {}) {
  return startPkce(issuer.issuer, clientId, redirectUri, extra);
}

// Starts an authorization and returns the login page's URL and cookies (the browser's state).
async function openLoginPage(url: URL): Promise<{ page: string; cookie: string }> {
  const res = await fetch(url, { redirect: "manual" });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const location = res.headers.get("location");
  expect(location).toMatch(/^\/interaction\//);
  return { page: new URL(location!, issuer.issuer).href, cookie };
}

test("the login page is a plain HTML form asking for a user name", async () => {
  const { url } = await authorize("chat-web", "http://127.0.0.1:5555/app/");
  const { page, cookie } = await openLoginPage(url);
  const res = await fetch(page, { headers: { cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  const html = await res.text();
  expect(html).toContain('name="login"');
  expect(html).toContain("the chat web page");
});

test("the CLI client may use a loopback redirect URI on any port (RFC 8252)", async () => {
  for (const redirect of ["http://127.0.0.1:40123/callback", "http://localhost:51000/callback"]) {
    const tokens = await loginWithPkce(issuer.issuer, "alice", redirect, "chat-cli");
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: "alice", aud: "chat-api" });
  }
});

test("the web client logs in on its page URL and gets a refresh token that works", async () => {
  const tokens = await loginWithPkce(issuer.issuer, "bob", "http://127.0.0.1:43210/app/", "chat-web");
  expect(decodeJwt(tokens.access_token).sub).toBe("bob");
  expect(tokens.refresh_token).toEqual(expect.any(String));
  const config = await oidc.discovery(new URL(issuer.issuer), "chat-web", undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, { resource: "urn:chat:api" });
  expect(decodeJwt(refreshed.access_token)).toMatchObject({ sub: "bob", aud: "chat-api" });
});

test("the token endpoint allows CORS from the web page's loopback origin and refuses other origins", async () => {
  const { config, verifier, state, url } = await authorize("chat-web", "http://127.0.0.1:43211/app/");
  const back = await browseLogin(url.href, "carol", (u) => u.port === "43211");
  const code = back.searchParams.get("code")!;
  expect(back.searchParams.get("state")).toBe(state);
  const tokenEndpoint = config.serverMetadata().token_endpoint!;
  const post = (origin: string, codeValue: string) =>
    fetch(tokenEndpoint, {
      method: "POST",
      headers: { origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", client_id: "chat-web", code: codeValue, redirect_uri: "http://127.0.0.1:43211/app/", code_verifier: verifier }),
    });
  const refused = await post("http://evil.example", code);
  expect(refused.status).toBe(400);
  expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  const ok = await post("http://127.0.0.1:43211", code);
  expect(ok.status).toBe(200);
  expect(ok.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:43211");
});

test("a redirect URI that is not loopback, or the wrong path, is refused before any login page", async () => {
  for (const [client, redirect] of [
    ["chat-cli", "http://evil.example/callback"],
    ["chat-cli", "http://127.0.0.1:40000/elsewhere"],
    ["chat-web", "http://192.0.2.1:8081/app/"],
  ]) {
    const { url } = await authorize(client, redirect);
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("redirect_uri");
  }
});

test("an invalid user name re-renders the page with the typed text and an error, and changes nothing", async () => {
  const { url } = await authorize("chat-cli", "http://127.0.0.1:40124/callback");
  const { page, cookie } = await openLoginPage(url);
  for (const bad of ["", "has space", "x".repeat(129), "<script>"]) {
    const res = await fetch(page, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login: bad }).toString(),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).not.toContain("<script>");
    if (bad === "has space") expect(html).toContain('value="has space"');
  }
  // The same interaction still completes afterwards.
  const res = await fetch(page, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ prompt: "login", login: "dave" }).toString(),
  });
  expect(res.status).toBe(303);
});

test("an oversized form is refused with 413", async () => {
  const { url } = await authorize("chat-cli", "http://127.0.0.1:40125/callback");
  const { page, cookie } = await openLoginPage(url);
  const res = await fetch(page, {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: "login=" + "a".repeat(5000),
  });
  expect(res.status).toBe(413);
});

test("Cancel sends the user back to the client with error=access_denied", async () => {
  const { url, state } = await authorize("chat-cli", "http://127.0.0.1:40126/callback");
  const { page, cookie } = await openLoginPage(url);
  let res = await fetch(page, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ prompt: "login", login: "", cancel: "1" }).toString(),
  });
  // interaction → authorization resume → redirect URI
  for (let i = 0; i < 5 && !res.headers.get("location")?.startsWith("http://127.0.0.1:40126"); i++) {
    res = await fetch(new URL(res.headers.get("location")!, issuer.issuer), { redirect: "manual", headers: { cookie } });
  }
  const back = new URL(res.headers.get("location")!);
  expect(back.searchParams.get("error")).toBe("access_denied");
  expect(back.searchParams.get("state")).toBe(state);
});

test("a login page without a live interaction says so instead of failing obscurely", async () => {
  const res = await fetch(`${issuer.issuer}/interaction/doesnotexist`);
  expect(res.status).toBe(400);
  expect(await res.text()).toContain("expired");
});

test("logging in as another user in the same browser switches the account", async () => {
  // One cookie jar across two authorizations, as one browser would.
  const first = await authorize("chat-cli", "http://127.0.0.1:40127/callback");
  const { page, cookie } = await openLoginPage(first.url);
  let res = await fetch(page, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ login: "erin" }).toString(),
  });
  const jar = [cookie, ...res.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
  res = await fetch(new URL(res.headers.get("location")!, issuer.issuer), { redirect: "manual", headers: { cookie: jar } });
  const code1 = new URL(res.headers.get("location")!);
  const t1 = await oidc.authorizationCodeGrant(first.config, code1, { pkceCodeVerifier: first.verifier, expectedState: first.state });
  expect(decodeJwt(t1.access_token).sub).toBe("erin");

  // A second authorization with the session cookie still asks for a name (prompt=login).
  const second = await authorize("chat-cli", "http://127.0.0.1:40128/callback", { prompt: "login" });
  const start = await fetch(second.url, { redirect: "manual", headers: { cookie: jar } });
  expect(start.headers.get("location")).toMatch(/^\/interaction\//);
});

test("/dev/token: JSON in, JSON out; a form body (curl -d sub=alice) gets the bare token as text", async () => {
  const json = await fetch(`${issuer.issuer}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "alice" }) });
  expect(json.headers.get("content-type")).toBe("application/json");
  expect(decodeJwt(((await json.json()) as { access_token: string }).access_token).sub).toBe("alice");

  const form = await fetch(`${issuer.issuer}/dev/token`, { method: "POST", body: "sub=bob", headers: { "content-type": "application/x-www-form-urlencoded" } });
  expect(form.status).toBe(200);
  expect(form.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await form.text();
  expect(text.endsWith("\n")).toBe(true);
  expect(decodeJwt(text.trim())).toMatchObject({ sub: "bob", aud: "chat-api" });

  for (const bad of ["sub=has space", "sub=", "name=bob"]) {
    const r = await fetch(`${issuer.issuer}/dev/token`, { method: "POST", body: bad, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/invalid_argument/);
  }
});
