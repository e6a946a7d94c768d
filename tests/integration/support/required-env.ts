// Integration suites run against real servers started by scripts/with-infra.sh. A missing
// address is a broken setup, never a reason to skip.
export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the integration suites through scripts/with-infra.sh (make test-integration)`);
  return v;
}
