import { decodeJwt, decodeProtectedHeader } from "jose";
import { startHarness, type Harness } from "./support/all-in-one-harness";
import { loginWithPkce } from "./support/pkce-login";
import { WsClient } from "./support/ws-client";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

test("Authorization Code + PKCE with openid-client yields a JWT access token that works on REST and WebSocket", async () => {
  const tokens = await loginWithPkce(h.app.issuer, "zoe");
  const claims = decodeJwt(tokens.access_token);
  expect(decodeProtectedHeader(tokens.access_token).alg).toBe("RS256");
  expect(claims).toMatchObject({ sub: "zoe", iss: h.app.issuer, aud: "chat-api" });

  const res = await fetch(`${h.apiUrl}/api/v1/chats`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ kind: "CHAT_KIND_GROUP", title: "pkce", memberIds: ["yuri"] }),
  });
  expect(res.status).toBe(200);
  const chatId = ((await res.json()) as { chat: { chatId: string; createdBy: string } }).chat.chatId;

  const ws = await WsClient.connect(h.wsUrl, tokens.access_token);
  expect(ws.frames[0].hello.userId).toBe("zoe");
  const ack = await ws.request({ sendMessage: { chatId, clientMessageId: "pkce-1", body: "logged in properly" } });
  expect(ack.messageAck.seq).toBe("1");
  await ws.close();
});

test("a forged authorization code is refused by the issuer", async () => {
  const oidc = await import("openid-client");
  const config = await oidc.discovery(new URL(h.app.issuer), "chat-cli", undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  // A token request with a made-up code and verifier is refused by the issuer.
  await expect(
    oidc.authorizationCodeGrant(config, new URL("http://127.0.0.1:8765/callback?code=forged&iss=" + encodeURIComponent(h.app.issuer)), {
      pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
    }),
  ).rejects.toThrow();
});
