import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, EXIT } from "../src/exit-codes";
import { configDir } from "../src/session/paths";
import { SessionStore } from "../src/session/session-store";

const session = {
  version: 1 as const,
  issuer: "http://127.0.0.1:4400",
  clientId: "chat-cli",
  apiUrl: "http://127.0.0.1:8081",
  wsUrl: "ws://127.0.0.1:8080/ws/v1",
  user: "alice",
  accessToken: "a.b.c",
  expiresAt: 1,
  refreshToken: "r",
};

test("the config dir follows XDG_CONFIG_HOME when it is absolute, else ~/.config", () => {
  expect(configDir({ XDG_CONFIG_HOME: "/x/cfg" })).toBe("/x/cfg/chat");
  expect(configDir({ XDG_CONFIG_HOME: "relative" })).toMatch(/\/\.config\/chat$/);
  expect(configDir({})).toMatch(/\/\.config\/chat$/);
});

test("the session is written 0600 in a 0700 directory and read back", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "cli-store-")), "chat");
  const store = new SessionStore(dir);
  expect(store.read()).toBeUndefined();
  store.write(session);
  expect(statSync(store.path).mode & 0o777).toBe(0o600);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(store.require()).toEqual(session);
  expect(store.remove()).toBe(true);
  expect(store.remove()).toBe(false);
});

test("a missing or damaged session is an auth error that says to log in", () => {
  const store = new SessionStore(mkdtempSync(join(tmpdir(), "cli-store-")));
  const err = (() => {
    try {
      store.require();
    } catch (e) {
      return e as CliError;
    }
  })();
  expect(err).toMatchObject({ exitCode: EXIT.auth, message: "not logged in", hint: "run: chat login" });
  for (const bad of ["{", JSON.stringify({ ...session, version: 2 }), JSON.stringify({ ...session, extra: 1 })]) {
    writeFileSync(store.path, bad);
    expect(() => store.read()).toThrow(/unreadable/);
  }
  expect(readFileSync(store.path, "utf8")).toContain("extra");
  // logout still removes it
  expect(store.remove()).toBe(true);
});
