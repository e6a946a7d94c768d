import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// The variable list itself (the package exports only loadConfig).
import { envSchema } from "../../packages/config/src/schema";
import { TARGETS } from "../../scripts/build/targets";
import { freePort, run, runToEnd, waitUntil, type Running } from "./support/processes";
import { repoPath } from "./support/repo";

// The bundles of `make build` (dist/*.mjs) run with plain node and nothing else: they are copied
// out of the repository first, so no node_modules can be found by accident, then each is started
// the way its image starts it, probed with the image's own health check, and stopped by SIGTERM.

const PORT_VARIABLES = Object.keys(envSchema.shape).filter((k) => k.endsWith("_PORT"));
let dir: string;
const running: Running[] = [];

function cleanEnv(extra: Record<string, string>): Record<string, string | undefined> {
  // Only what a container would have: no CHAT_* leaking in from the test runner's shell.
  return { PATH: process.env.PATH, HOME: process.env.HOME, CHAT_LOG_LEVEL: "warn", ...extra };
}

async function portsEnv(): Promise<Record<string, string>> {
  const ports = await Promise.all(PORT_VARIABLES.map(freePort));
  return Object.fromEntries(PORT_VARIABLES.map((k, i) => [k, String(ports[i])]));
}

async function healthcheck(env: Record<string, string>, name: string): Promise<number | null> {
  const h = TARGETS[name].health!;
  const r = await runToEnd(process.execPath, [join(dir, "healthcheck.mjs"), h.env, String(h.port), h.path], { cwd: dir, env: cleanEnv(env) });
  return r.code;
}

let issuerUrl: string;

beforeAll(async () => {
  const missing = Object.keys(TARGETS).filter((t) => !existsSync(repoPath("dist", `${t}.mjs`)));
  if (missing.length) throw new Error(`dist/ lacks ${missing.join(", ")}: run \`make bundle\` first (make test-deploy does)`);
  dir = mkdtempSync(join(tmpdir(), "chat-bundles-"));
  // The bundles and what they load from beside them (the embedded store's native prebuilds).
  cpSync(repoPath("dist"), dir, { recursive: true });
  copyFileSync(repoPath("docker/healthcheck.mjs"), join(dir, "healthcheck.mjs"));

  // The services verify tokens against an issuer: the dev issuer's own bundle serves them.
  const ports = await portsEnv();
  issuerUrl = `http://127.0.0.1:${ports.CHAT_DEV_ISSUER_PORT}`;
  const issuer = run(process.execPath, [join(dir, "dev-issuer.mjs")], { cwd: dir, env: cleanEnv({ ...ports, CHAT_OIDC_ISSUER: issuerUrl, CHAT_OIDC_ALLOW_HTTP: "true" }) });
  running.push(issuer);
  await waitUntil(async () => {
    if (issuer.child.exitCode !== null) throw new Error(`dev-issuer exited:\n${issuer.output.join("")}`);
    return fetch(`${issuerUrl}/.well-known/openid-configuration`).then((r) => r.ok, () => false);
  }, 30_000, "dev issuer bundle");
  expect(await healthcheck(ports, "dev-issuer")).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
  await Promise.all(running.map((r) => r.exited));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.each(Object.keys(TARGETS))("dist/%s.mjs answers --version with its name, version and commit", async (name) => {
  const { version } = JSON.parse(readFileSync(repoPath(TARGETS[name].packageJson), "utf8")) as { version: string };
  const r = await runToEnd(process.execPath, [join(dir, `${name}.mjs`), "--version"], { cwd: dir, env: cleanEnv({}) });
  expect(r.code).toBe(0);
  expect(r.output).toMatch(new RegExp(`^${name} ${version.replace(/\./g, "\\.")} \\([0-9a-z]+\\)\\n$`));
});

test.each(["gateway", "ingest", "fanout", "chatmgmt", "all-in-one"])(
  "dist/%s.mjs starts with plain node, passes the image's health check, and exits 0 on SIGTERM",
  async (name) => {
    const ports = await portsEnv();
    const dataDir = mkdtempSync(join(dir, `${name}-data-`));
    const env = {
      ...ports,
      CHAT_STORE_DATA_DIR: join(dataDir, "store"),
      // all-in-one starts its own issuer; the separate services use the dev issuer bundle.
      // A separate service also needs the shared secret: there is no default (ADR-0010).
      ...(name === "all-in-one" ? {} : { CHAT_OIDC_ISSUER: issuerUrl, CHAT_OIDC_ALLOW_HTTP: "true", CHAT_SERVICE_SECRET: "bundle-test-service-secret-0123" }),
    };
    const proc = run(process.execPath, [join(dir, `${name}.mjs`)], { cwd: dataDir, env: cleanEnv(env) });
    running.push(proc);
    const h = TARGETS[name].health!;
    await waitUntil(async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}:\n${proc.output.join("")}`);
      return fetch(`http://127.0.0.1:${env[h.env as keyof typeof env]}${h.path}`).then((r) => r.ok, () => false);
    }, 60_000, `${name} health`);
    expect(await healthcheck(env, name)).toBe(0);

    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    // Nothing answers any more: the same health check now fails.
    expect(await healthcheck(env, name)).toBe(1);
  },
  90_000,
);

test("dist/bootstrap.mjs creates the embedded tables and topics and exits 0", async () => {
  const dataDir = mkdtempSync(join(dir, "bootstrap-data-"));
  const r = await runToEnd(process.execPath, [join(dir, "bootstrap.mjs")], { cwd: dataDir, env: cleanEnv({ CHAT_STORE_DATA_DIR: join(dataDir, "store"), CHAT_LOG_LEVEL: "info" }) });
  expect(r.code).toBe(0);
  expect(r.output).toContain("bootstrap done");
}, 60_000);

test("the health check script exits 1 when nothing listens and 2 when called wrongly", async () => {
  const port = await freePort();
  const closed = await runToEnd(process.execPath, [join(dir, "healthcheck.mjs"), "CHAT_GATEWAY_PORT", String(port), "/health"], { cwd: dir, env: cleanEnv({}) });
  expect(closed.code).toBe(1);
  const usage = await runToEnd(process.execPath, [join(dir, "healthcheck.mjs")], { cwd: dir, env: cleanEnv({}) });
  expect(usage.code).toBe(2);
});

describe("dist/all-in-one.mjs and the web page", () => {
  // A stand-in for packages/web/dist: what matters here is which directory is served.
  function pageDir(): string {
    const web = mkdtempSync(join(dir, "web-"));
    mkdirSync(join(web, "assets"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>chat web page (bundle test)</title>");
    writeFileSync(join(web, "assets", "app-1234.js"), "console.log('chat');");
    return web;
  }

  // bundleDir: where all-in-one.mjs lies (the built one by default, or a copy elsewhere).
  async function startAllInOneBundle(extra: Record<string, string>, bundleDir = dir): Promise<{ proc: Running; base: string }> {
    const ports = await portsEnv();
    const dataDir = mkdtempSync(join(dir, "web-data-"));
    const proc = run(process.execPath, [join(bundleDir, "all-in-one.mjs")], { cwd: dataDir, env: cleanEnv({ ...ports, CHAT_STORE_DATA_DIR: join(dataDir, "store"), ...extra }) });
    running.push(proc);
    const base = `http://127.0.0.1:${ports.CHAT_CHATMGMT_PORT}`;
    await waitUntil(async () => {
      if (proc.child.exitCode !== null) throw new Error(`all-in-one exited with ${proc.child.exitCode}:\n${proc.output.join("")}`);
      return fetch(`${base}/health`).then((r) => r.ok, () => false);
    }, 60_000, "all-in-one health");
    return { proc, base };
  }

  test("serves /app/ from CHAT_WEB_DIR (as the image sets it), with its assets and config.json", async () => {
    const { proc, base } = await startAllInOneBundle({ CHAT_WEB_DIR: pageDir() });
    const page = await fetch(`${base}/app/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("chat web page (bundle test)");
    const asset = await fetch(`${base}/app/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    const config = (await (await fetch(`${base}/app/config.json`)).json()) as { issuer: string; wsUrl: string };
    expect(config.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(config.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/v1$/);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 90_000);

  test("without CHAT_WEB_DIR a bundle finds a web/ directory next to it, or says the page is not built", async () => {
    // The copied bundle has nothing next to it: /app/ says how to build the page.
    const bare = await startAllInOneBundle({});
    const missing = await fetch(`${bare.base}/app/`);
    expect(missing.status).toBe(503);
    expect(await missing.text()).toMatch(/not built/);
    bare.proc.child.kill("SIGTERM");
    expect(await bare.proc.exited).toBe(0);

    const beside = mkdtempSync(join(dir, "beside-"));
    copyFileSync(join(dir, "all-in-one.mjs"), join(beside, "all-in-one.mjs"));
    if (existsSync(join(dir, "prebuilds"))) cpSync(join(dir, "prebuilds"), join(beside, "prebuilds"), { recursive: true });
    cpSync(pageDir(), join(beside, "web"), { recursive: true });
    const { proc, base } = await startAllInOneBundle({}, beside);
    expect(await (await fetch(`${base}/app/`)).text()).toContain("chat web page (bundle test)");
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 120_000);

  test("a CHAT_WEB_DIR without a page stops the process at start (exit 2) naming the variable", async () => {
    const empty = mkdtempSync(join(dir, "empty-web-"));
    const ports = await portsEnv();
    const r = await runToEnd(process.execPath, [join(dir, "all-in-one.mjs")], { cwd: empty, env: cleanEnv({ ...ports, CHAT_STORE_DATA_DIR: join(empty, "store"), CHAT_WEB_DIR: empty }) });
    expect(r.code).toBe(2);
    expect(r.output).toContain(`CHAT_WEB_DIR: ${empty} holds no index.html`);
  }, 60_000);
});
