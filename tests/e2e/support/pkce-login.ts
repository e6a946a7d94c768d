import * as oidc from "openid-client";

// Authorization Code + PKCE against the development issuer, driven headlessly: the same
// redirects and forms a browser would follow (oidc-provider's dev interactions: login, consent),
// with a cookie jar carried by hand.
export async function loginWithPkce(issuer: string, user: string, redirectUri = "http://127.0.0.1:8765/callback"): Promise<oidc.TokenEndpointResponse> {
  const config = await oidc.discovery(new URL(issuer), "chat-cli", undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    resource: "urn:chat:api",
  });

  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() } });
    remember(res);
    return res;
  };
  const submit = (url: string, form: Record<string, string>) =>
    go(url, { method: "POST", body: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });

  let res = await go(authUrl.href);
  for (let step = 0; step < 10; step++) {
    const location = res.headers.get("location");
    if (!location) throw new Error(`login flow stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const next = new URL(location, issuer);
    if (next.href.startsWith(redirectUri)) {
      return oidc.authorizationCodeGrant(config, next, { pkceCodeVerifier: verifier, expectedState: state });
    }
    if (next.pathname.startsWith("/interaction/")) {
      const page = await go(next.href);
      const html = await page.text();
      // The dev interaction page asks either for a login or for consent.
      res = /name="login"/.test(html) ? await submit(next.href, { prompt: "login", login: user, password: "any" }) : await submit(next.href, { prompt: "consent" });
    } else {
      res = await go(next.href);
    }
  }
  throw new Error("login flow did not reach the redirect URI");
}
