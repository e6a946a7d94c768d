import { h } from "./dom";

export function renderLogin(root: HTMLElement, onLogin: () => void, error?: string): void {
  root.replaceChildren(
    h(
      "div",
      { class: "login" },
      h("h1", {}, "chat"),
      h("p", {}, "Log in through the identity provider to start chatting."),
      error ? h("p", { class: "error", role: "alert", "data-testid": "login-error" }, error) : null,
      h("button", { "data-testid": "login", onclick: onLogin }, "Log in"),
    ),
  );
}
