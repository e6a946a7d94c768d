import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runToEnd } from "./support/processes";
import { ROOT, repoPath } from "./support/repo";

// `make lint` must fail on what it exists for (issue 9 point 10), not just pass: the fixtures under
// tests/lint-fixtures break each rule on purpose and are checked with the repo's own configs.

const bin = (name: string) => repoPath("node_modules/.bin", name);
const env = process.env;

test("make lint runs ESLint, dependency-cruiser and knip over the whole repo", async () => {
  const dry = await runToEnd("make", ["-n", "lint"], { cwd: ROOT, env });
  expect(dry.output).toMatch(/^node_modules\/\.bin\/eslint --max-warnings 0 \.$/m);
  expect(dry.output).toMatch(/^node_modules\/\.bin\/depcruise --validate \.dependency-cruiser\.cjs packages services tests scripts/m);
  expect(dry.output).toMatch(/^node_modules\/\.bin\/knip --dependencies /m);
});

test("ESLint fails on a floating promise and on a promise passed where nothing awaits it", async () => {
  const r = await runToEnd(bin("eslint"), ["--max-warnings", "0", "--no-ignore", "tests/lint-fixtures/eslint/violations.ts"], { cwd: ROOT, env });
  expect(r.code).toBe(1);
  expect(r.output).toContain("@typescript-eslint/no-floating-promises");
  expect(r.output).toContain("@typescript-eslint/no-misused-promises");
}, 120_000);

test("every dependency rule fires on the fixture file named after it", async () => {
  const config = createRequire(import.meta.url)(repoPath(".dependency-cruiser.cjs")) as { forbidden: Array<{ name: string }> };
  const names = config.forbidden.map((r) => r.name);
  expect(names).toEqual(expect.arrayContaining(["no-circular", "services-no-concrete-adapter", "domain-imports-only-proto", "packages-not-services"]));

  const r = await runToEnd(bin("depcruise"), ["--config", repoPath(".dependency-cruiser.cjs"), "packages", "services"], { cwd: repoPath("tests/lint-fixtures/depcruise"), env });
  expect(r.code).not.toBe(0);
  for (const name of names) {
    // "error <rule>: <from> → <to>", with the offending file named after its rule.
    const fired = new RegExp(`error ${name}: \\S*${name.replace(/-/g, "\\-")}`);
    expect({ name, fired: fired.test(r.output) }).toEqual({ name, fired: true });
  }
}, 120_000);

test("the dependency rules see through the workspace links (@chat/x resolves to packages/x/src)", async () => {
  // Were the bare imports left unresolved, or resolved into node_modules, no path rule would match.
  const r = await runToEnd(bin("depcruise"), ["--config", ".dependency-cruiser.cjs", "--output-type", "json", "services/gateway/src/start.ts"], { cwd: ROOT, env });
  expect(r.code).toBe(0);
  const graph = JSON.parse(r.output) as { modules: Array<{ source: string; dependencies: Array<{ module: string; resolved: string }> }> };
  const start = graph.modules.find((m) => m.source === "services/gateway/src/start.ts");
  expect(start?.dependencies.find((d) => d.module === "@chat/wiring")?.resolved).toBe("packages/wiring/src/index.ts");
}, 120_000);

test("knip fails on a declared dependency nothing imports and on an import nothing declares", async () => {
  const fixture = repoPath("tests/lint-fixtures/knip");
  expect(readFileSync(`${fixture}/package.json`, "utf8")).toContain("stale-declared-dependency");
  const r = await runToEnd(bin("knip"), ["--dependencies", "--no-progress", "--no-gitignore", "--no-config-hints", "--directory", fixture], { cwd: ROOT, env });
  expect(r.code).toBe(1);
  expect(r.output).toMatch(/Unused dependencies[\s\S]*stale-declared-dependency/);
  expect(r.output).toMatch(/Unlisted dependencies[\s\S]*undeclared-dependency/);
}, 120_000);
