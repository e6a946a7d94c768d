import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { DEV_RESOURCE } from "./clients";
import { renderLoginPage } from "./login-html";

// Same rule as the chat API's ids (and /dev/token), so every name that logs in is a valid user id.
export const USER_NAME = /^[A-Za-z0-9_\-.:@]{1,128}$/;
const MAX_FORM_BYTES = 4096;

// The dev issuer's only interaction: pick a user name. Submitting it finishes login AND consent
// in one step (the chat clients are first-party; a consent screen would teach nothing), so a
// browser or a headless test sees exactly one form per authorization.
export function createLoginInteraction(provider: Provider) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let details: Awaited<ReturnType<Provider["interactionDetails"]>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return page(res, 400, renderExpired());
    }
    const clientId = stringParam(details.params.client_id, "");
    if (req.method === "GET") return page(res, 200, renderLoginPage({ clientId, value: details.session?.accountId ?? "" }));
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "GET, POST" });
      return void res.end();
    }

    const form = await readForm(req);
    if (!form) return page(res, 413, renderLoginPage({ clientId, value: "", error: "The form is too large." }));
    if (form.get("cancel") !== null) {
      return provider.interactionFinished(req, res, { error: "access_denied", error_description: "the user cancelled the login" }, { mergeWithLastSubmission: false });
    }
    const login = (form.get("login") ?? "").trim();
    if (!USER_NAME.test(login)) {
      return page(res, 400, renderLoginPage({ clientId, value: login, error: "A user name is 1–128 characters of letters, digits and _ - . : @" }));
    }

    const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const fresh = grant && grant.accountId === login ? grant : new provider.Grant({ accountId: login, clientId });
    const scope = stringParam(details.params.scope, "openid");
    fresh.addOIDCScope(scope);
    fresh.addResourceScope(stringParam(details.params.resource, DEV_RESOURCE), scope);
    const grantId = await fresh.save();
    await provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } }, { mergeWithLastSubmission: false });
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let raw = "";
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > MAX_FORM_BYTES) return undefined;
  }
  return new URLSearchParams(raw);
}

function page(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    // No scripts at all. No form-action: Chromium applies it to the redirects that follow the
    // post, and those end at the client's redirect URI on another origin.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(html);
}

function renderExpired(): string {
  return renderLoginPage({ clientId: "", value: "", error: "This login request has expired or was already used. Start the login again from the app.", expired: true });
}

// Authorization parameters are strings once oidc-provider has parsed them; anything else is absent.
function stringParam(v: unknown, fallback: string): string {
  return typeof v === "string" ? v : fallback;
}
