import * as oidc from "openid-client";

// Plays the browser in an Authorization Code flow against the development issuer: follows the
// redirects, carries the cookies, and fills in the login page (pick a user name) the way a person
// would. Returns the URL the issuer finally redirects to (the client's redirect URI with `code`
// and `state`, or `error`), without requesting it.
export async function browseLogin(authUrl: string, user: string, isRedirectUri: (url: URL) => boolean): Promise<URL> {
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

  let res = await go(authUrl);
  let at = authUrl;
  for (let step = 0; step < 10; step++) {
    const location = res.headers.get("location");
    if (!location) throw new Error(`login flow stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const next = new URL(location, at);
    if (isRedirectUri(next)) return next;
    at = next.href;
    if (next.pathname.startsWith("/interaction/")) {
      const page = await go(next.href);
      const html = await page.text();
      if (!/name="login"/.test(html)) throw new Error(`expected the login page, got ${page.status}: ${html.slice(0, 300)}`);
      res = await submit(next.href, { prompt: "login", login: user, password: "" });
    } else {
      res = await go(next.href);
    }
  }
  throw new Error("login flow did not reach the redirect URI");
}

// The client's half of starting Authorization Code + PKCE: discovery, verifier, state and the
// authorization URL a browser is sent to.
export async function startPkce(issuer: string, clientId: string, redirectUri: string, extra: Record<string, string> = {}) {
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    resource: "urn:chat:api",
    ...extra,
  });
  return { config, verifier, state, url };
}

// Authorization Code + PKCE with openid-client as the client, browseLogin as the browser.
export async function loginWithPkce(issuer: string, user: string, redirectUri = "http://127.0.0.1:8765/callback", clientId = "chat-cli"): Promise<oidc.TokenEndpointResponse> {
  const { config, verifier, state, url } = await startPkce(issuer, clientId, redirectUri);
  const back = await browseLogin(url.href, user, (u) => u.href.startsWith(redirectUri));
  return oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state });
}
