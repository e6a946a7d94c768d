import { spawn } from "node:child_process";
import { resolve } from "node:path";

// Issue 10 item 6: a service started on its own (its real entry point, as an operator runs it)
// refuses to start without an explicit CHAT_SERVICE_SECRET; there is no public default that
// would let anyone who reads the source call PersistMessage or Deliver.
const ROOT = resolve(import.meta.dirname, "../..");

function run(service: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHAT_"))) as Record<string, string>;
  const child = spawn(process.execPath, ["--import", "tsx", resolve(ROOT, `services/${service}/src/main.ts`)], { cwd: ROOT, env: { ...clean, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  // A service that wrongly starts would run forever: stop it so the test fails instead of hanging.
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((res) => child.once("exit", (code) => (clearTimeout(guard), res({ code, stderr }))));
}

test.each(["ingest", "gateway", "fanout", "chatmgmt"])("%s without CHAT_SERVICE_SECRET exits 2 naming the variable", async (service) => {
  const { code, stderr } = await run(service, { CHAT_LOG_LEVEL: "silent" });
  expect(code).toBe(2);
  expect(stderr).toContain("CHAT_SERVICE_SECRET: required");
});

test("a gateway bound to 0.0.0.0 without an advertised address exits 2 naming the variable", async () => {
  const { code, stderr } = await run("gateway", { CHAT_LOG_LEVEL: "silent", CHAT_SERVICE_SECRET: "x".repeat(32), CHAT_HOST: "0.0.0.0" });
  expect(code).toBe(2);
  expect(stderr).toContain("CHAT_GATEWAY_ADVERTISED_ADDRESS: required");
});

test("a limit with an invalid value stops the service at startup (exit 2) naming the variable", async () => {
  const { code, stderr } = await run("gateway", { CHAT_LOG_LEVEL: "silent", CHAT_SERVICE_SECRET: "x".repeat(32), CHAT_INGEST_BREAKER_FAILURES: "0", CHAT_SYNC_PAGE_DEFAULT: "500" });
  expect(code).toBe(2);
  expect(stderr).toContain("CHAT_INGEST_BREAKER_FAILURES");
  expect(stderr).toContain("CHAT_SYNC_PAGE_DEFAULT: must not exceed CHAT_SYNC_PAGE_MAX");
});
