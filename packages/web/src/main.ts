import "./styles.css";
import { Auth } from "./auth/auth";
import { loadConfig } from "./config";
import { createSdkBackend } from "./sdk-backend";
import { ChatApp } from "./ui/chat-app";
import { errorText } from "./ui/dom";
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
  const tokens = auth.current();
  if (!tokens) return renderLogin(root, () => void auth.startLogin(), loginError);

  const backend = createSdkBackend(cfg, tokens.user, (force) => auth.accessToken(force));
  const app = new ChatApp(
    root,
    backend,
    () => {
      // Whatever fails while logging out, the user lands on the login page (with the reason).
      const login = () => void auth.startLogin();
      backend
        .close()
        .then(() => auth.logout())
        .then(
          () => renderLogin(root, login),
          (e: unknown) => renderLogin(root, login, errorText(e)),
        );
    },
    (reason) => renderLogin(root, () => void auth.startLogin(), `${reason[0].toUpperCase()}${reason.slice(1)}: log in again.`),
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
