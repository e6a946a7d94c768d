import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { SERVICES, TARGETS } from "../../scripts/build/targets";
import { runToEnd } from "./support/processes";
import { ROOT, repoPath } from "./support/repo";

// The GitHub workflows cannot run here; actionlint (installed from the Go module proxy by
// scripts/actionlint.sh) checks their syntax, expressions and action inputs, and the tests
// below check that they do what seed 002 Part 8 asks.

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  environment?: string;
  strategy?: { matrix: Record<string, string[]> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) => parse(readFileSync(repoPath(".github/workflows", name), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const runs = (w: Workflow) => steps(w).map((s) => s.run ?? "").join("\n");
const actionlint = (args: string[]) => runToEnd("bash", [repoPath("scripts/actionlint.sh"), ...args], { cwd: ROOT, env: process.env });

test("there are exactly the three workflows of the blueprint", () => {
  expect(readdirSync(repoPath(".github/workflows")).sort()).toEqual(["cd-dev.yaml", "cd-prod.yaml", "ci.yaml"]);
});

test("actionlint finds nothing to complain about", async () => {
  const r = await actionlint([]);
  expect({ code: r.code, output: r.output.replace(/^installing actionlint.*\n/m, "") }).toEqual({ code: 0, output: "" });
}, 300_000);

test("actionlint does catch a broken workflow (the check is real)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-actionlint-"));
  try {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.no_such_context_property }}\n      - uses: actions/checkout@v4\n        with:\n          no-such-input: true\n");
    const r = await actionlint([file]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/no-such-input/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

describe("ci.yaml", () => {
  const ci = workflow("ci.yaml");

  test("runs on pull requests to main", () => {
    expect(ci.on.pull_request).toEqual({ branches: ["main"] });
  });

  test("installs, runs buf lint, buf breaking against main, lint, unit, integration and the build", () => {
    const r = runs(ci);
    for (const cmd of ["make proto", "buf lint", "make proto-breaking", "make lint", "make typecheck", "make test-unit", "make test-e2e", "make test-deploy", "make test-integration", "make build"]) expect(r).toContain(cmd);
    // Every suite of `make test` (what .ci/run runs) is a step, so CI cannot fall behind it.
    const makeTest = /^test:(.*)$/m.exec(readFileSync(repoPath("Makefile"), "utf8"))![1].trim().split(/\s+/);
    expect(makeTest.filter((target) => !r.includes(`make ${target}`))).toEqual([]);
    // buf breaking needs main's history.
    expect(ci.jobs.test.steps.find((s) => s.uses?.startsWith("actions/checkout"))!.with).toMatchObject({ "fetch-depth": 0 });
  });

  test("builds an image from every Dockerfile after the tests passed", () => {
    expect(ci.jobs.images.needs).toBe("test");
    expect(ci.jobs.images.strategy!.matrix.image.sort()).toEqual(Object.keys(TARGETS).sort());
    const build = ci.jobs.images.steps.find((s) => s.uses?.startsWith("docker/build-push-action"))!;
    expect(build.with).toMatchObject({ file: "docker/${{ matrix.image }}.Dockerfile", push: false });
  });
});

describe("cd-dev.yaml", () => {
  const dev = workflow("cd-dev.yaml");

  test("deploys main after CI passed on it", () => {
    expect(dev.on.workflow_run).toEqual({ workflows: ["ci"], types: ["completed"], branches: ["main"] });
  });

  test("pushes every service image tagged with the commit SHA, and records digests", () => {
    expect(dev.jobs.images.strategy!.matrix.service).toEqual(expect.arrayContaining([...SERVICES]));
    const build = dev.jobs.images.steps.find((s) => s.uses?.startsWith("docker/build-push-action"))!;
    expect(build.with).toMatchObject({ push: true, tags: expect.stringMatching(/:\$\{\{ env\.SHA \}\}$/) });
    expect(runs(dev)).toContain("${DIGEST}");
  });

  test("rolls ECS through Terraform with the digests and saves them as the release manifest", () => {
    const r = runs(dev);
    expect(r).toContain("images.auto.tfvars.json");
    expect(r).toContain("terraform apply");
    expect(r).toContain("aws ecs wait services-stable");
    expect(dev.jobs.deploy.steps.some((s) => s.uses?.startsWith("actions/upload-artifact") && s.with?.name === "release-manifest")).toBe(true);
  });
});

describe("cd-prod.yaml", () => {
  const prod = workflow("cd-prod.yaml");

  test("starts only by hand and waits for the prod environment's approval", () => {
    expect(Object.keys(prod.on)).toEqual(["workflow_dispatch"]);
    for (const job of Object.values(prod.jobs)) expect(job.environment).toBe("prod");
  });

  test("promotes dev's digests and builds nothing", () => {
    const all = readFileSync(repoPath(".github/workflows/cd-prod.yaml"), "utf8");
    expect(all).not.toMatch(/docker\/build-push-action|docker build|docker\/setup-buildx/);
    const download = prod.jobs.promote.steps.find((s) => s.uses?.startsWith("actions/download-artifact"))!;
    expect(download.with).toMatchObject({ name: "release-manifest", "run-id": "${{ inputs.dev_run_id }}" });
    const r = runs(prod);
    expect(r).toContain("@sha256:[0-9a-f]{64}$");
    expect(r).toContain("aws ecr describe-images");
    expect(r).toContain("terraform apply");
  });
});
