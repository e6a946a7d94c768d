import "./styles.css";
import { Auth } from "./auth/auth";
import { loadConfig } from "./config";
import { createSdkBackend } from "./sdk-backend";
import { ChatApp } from "./ui/chat-app";
import { errorText } from "./ui/dom";
import { loginAction } from "./ui/login-action";
import { renderLogin } from "./ui/login-view";

const root = document.getElementById("root")!;

async function boot(): Promise<void> {
  const cfg = await loadConfig();
  const auth = await Auth.discover(cfg);
  let loginError: string | undefined;
  if (auth.isCallback()) {
    try {
      await auth.finishLogin();
    } catch (e) {
      loginError = errorText(e);
    }
  }
  const login = loginAction(() => auth.startLogin(), showLogin);
  function showLogin(error?: string): void {
    renderLogin(root, login, error);
  }
  const tokens = auth.current();
  if (!tokens) return showLogin(loginError);

  const backend = createSdkBackend(cfg, tokens.user, (force) => auth.accessToken(force));
  const app = new ChatApp(
    root,
    backend,
    () => {
      // Whatever fails while logging out, the user lands on the login page (with the reason).
      backend
        .close()
        .then(() => auth.logout())
        .then(
          () => showLogin(),
          (e: unknown) => showLogin(errorText(e)),
        );
    },
    (reason) => showLogin(`${reason[0].toUpperCase()}${reason.slice(1)}: log in again.`),
  );
  await app.start();
}

boot().catch((e) => {
  root.replaceChildren();
  const p = document.createElement("p");
  p.className = "login error";
  p.setAttribute("role", "alert");
  p.textContent = `The page could not start: ${errorText(e)}`;
  root.append(p);
});
