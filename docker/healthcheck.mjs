// Container health check without a shell (HEALTHCHECK CMD ["node", "/app/healthcheck.mjs", ...]):
//   node healthcheck.mjs <PORT_VARIABLE> <DEFAULT_PORT> <PATH>
// Probes http://127.0.0.1:<port><path> where the port is the service's own CHAT_* variable, so
// an operator who moves the port does not break the check. Exit 0 on a 2xx, 1 otherwise.
const [portVariable, defaultPort, path = "/health"] = process.argv.slice(2);
const port = (portVariable && process.env[portVariable]) || defaultPort;
if (!port) {
  process.stderr.write("usage: healthcheck.mjs PORT_VARIABLE DEFAULT_PORT [PATH]\n");
  process.exit(2);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
