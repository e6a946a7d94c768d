import { describe, expect, test } from "vitest";
import { loginAction } from "../src/ui/login-action";

describe("loginAction", () => {
  test("a login that fails to start reports why", async () => {
    const shown: string[] = [];
    const click = loginAction(() => Promise.reject(new TypeError("crypto.subtle is undefined")), (m) => shown.push(m));
    click();
    await Promise.resolve();
    await Promise.resolve();
    expect(shown).toEqual(["The login could not start: crypto.subtle is undefined"]);
  });

  test("a login that starts reports nothing", async () => {
    const shown: string[] = [];
    let started = 0;
    const click = loginAction(() => {
      started++;
      return new Promise(() => undefined);
    }, (m) => shown.push(m));
    click();
    await Promise.resolve();
    expect(started).toBe(1);
    expect(shown).toEqual([]);
  });
});
