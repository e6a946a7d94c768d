import { runToEnd } from "./support/processes";
import { ROOT, repoPath } from "./support/repo";

// `make lint` must fail on the bugs it exists for (issue 9 point 10), not just pass: the fixture
// under tests/lint-fixtures breaks each rule once and is linted with the repo's own config.

const ESLINT = repoPath("node_modules/.bin/eslint");

test("make lint runs ESLint over the whole repo", async () => {
  const dry = await runToEnd("make", ["-n", "lint"], { cwd: ROOT, env: process.env });
  expect(dry.output).toMatch(/node_modules\/\.bin\/eslint --max-warnings 0 \.$/m);
});

test("ESLint fails on a floating promise and on a promise passed where nothing awaits it", async () => {
  const r = await runToEnd(ESLINT, ["--max-warnings", "0", "--no-ignore", "tests/lint-fixtures/eslint/violations.ts"], { cwd: ROOT, env: process.env });
  expect(r.code).toBe(1);
  expect(r.output).toContain("@typescript-eslint/no-floating-promises");
  expect(r.output).toContain("@typescript-eslint/no-misused-promises");
}, 120_000);
