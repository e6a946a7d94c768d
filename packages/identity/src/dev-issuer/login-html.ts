const SUGGESTED = ["alice", "bob", "carol", "dave"];

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The development issuer's login form. `name="login"` and `name="password"` are what
// oidc-provider's own dev form used, so headless clients written for it keep working.
export function renderLoginPage(p: { clientId: string; value: string; error?: string; expired?: boolean }): string {
  const app = p.clientId === "chat-cli" ? "the chat CLI" : p.clientId === "chat-web" ? "the chat web page" : escape(p.clientId);
  const form = p.expired
    ? ""
    : `<form method="post" autocomplete="off">
  <input type="hidden" name="prompt" value="login">
  <label for="login">User name</label>
  <input id="login" name="login" value="${escape(p.value)}" required maxlength="128" pattern="[A-Za-z0-9_\\-.:@]{1,128}" autofocus list="users" aria-describedby="hint">
  <datalist id="users">${SUGGESTED.map((u) => `<option value="${u}">`).join("")}</datalist>
  <input type="hidden" name="password" value="">
  <p id="hint" class="hint">Development issuer: any name logs in, no password. Try ${SUGGESTED.slice(0, 2).join(" and ")} in two windows.</p>
  <div class="row"><button type="submit" id="submit">Log in</button><button type="submit" name="cancel" value="1" formnovalidate class="secondary">Cancel</button></div>
</form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · chat (development)</title>
<style>
body{font:16px/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1d2129;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;width:min(22rem,90vw)}
h1{font-size:1.3rem;margin:0 0 .3rem}.sub{color:#5b6270;margin:0 0 1.2rem}
label{display:block;font-weight:600;margin-bottom:.3rem}
input[name=login]{width:100%;box-sizing:border-box;font-size:1rem;padding:.55rem;border:1px solid #c3c8d0;border-radius:6px}
.hint{color:#5b6270;font-size:.85rem}.error{color:#b42318;background:#fef3f2;padding:.5rem;border-radius:6px}
.row{display:flex;gap:.5rem}button{font-size:1rem;padding:.55rem 1rem;border:0;border-radius:6px;background:#2d6cdf;color:#fff;cursor:pointer}
button.secondary{background:#e4e7ec;color:#1d2129}
</style></head>
<body><main>
<h1>Log in</h1>
<p class="sub">to ${app}</p>
${p.error ? `<p class="error" role="alert">${escape(p.error)}</p>` : ""}
${form}
</main></body></html>`;
}
