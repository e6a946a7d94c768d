import { ChatError } from "../../src/errors";

// Runs fn and returns the ChatError it threw; fails the test if it threw nothing or something else.
export function errorOf(fn: () => unknown): ChatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChatError);
    return e as ChatError;
  }
  throw new Error("expected a ChatError, nothing was thrown");
}
