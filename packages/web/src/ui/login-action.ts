import { errorText } from "./dom";

// The login button's handler. Starting a login can fail before the page leaves (no WebCrypto on
// a plain-http origin, sessionStorage disabled, a broken issuer URL); the user must see why
// instead of a button that does nothing and a message only in the console.
export function loginAction(start: () => Promise<unknown>, showError: (message: string) => void): () => void {
  return () => {
    start().catch((e: unknown) => showError(`The login could not start: ${errorText(e)}`));
  };
}
