import { existsSync, readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { TARGETS } from "../../scripts/build/targets";
import { repoPath } from "./support/repo";

// No Docker engine here, so the images are checked where they are defined: each Dockerfile is
// parsed by a real Dockerfile parser and held to the rules of docs/adr/0012 (multi-stage, pinned
// bases, only the bundle in the runtime stage, non-root, exec-form health check, SIGTERM), and
// every path it copies exists in the build context or is produced by its build stage.

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (i.getKeyword() === "FROM") {
      const args = i.getArguments().map((a) => a.getValue());
      stages.push({ name: args[1]?.toUpperCase() === "AS" ? args[2] : null, image: args[0], instructions: [] });
    } else if (stages.length) stages[stages.length - 1].instructions.push(i);
  }
  return stages;
}

const all = (s: Stage, keyword: string) => s.instructions.filter((i) => i.getKeyword() === keyword);
const one = (s: Stage, keyword: string) => {
  const found = all(s, keyword);
  expect(found.map((i) => i.getKeyword())).toEqual([keyword]);
  return found[0];
};
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const flagOf = (i: Instruction, name: string) => (i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags().find((f) => f.getName() === name)?.getValue() ?? null;

// Patterns of .dockerignore, as the builder applies them to the context (prefix match is enough
// for the plain paths used there).
const ignored = readFileSync(repoPath(".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
function excludedFromContext(path: string): boolean {
  const p = path.replace(/\/$/, "");
  return ignored.some((pattern) => {
    const q = pattern.replace(/^\*\*\//, "").replace(/\/$/, "");
    if (pattern.startsWith("**/")) return p.split("/").includes(q);
    if (q.startsWith("*.")) return p.endsWith(q.slice(1));
    return p === q || p.startsWith(`${q}/`);
  });
}

const dockerfiles = readdirSync(repoPath("docker")).filter((f) => f.endsWith(".Dockerfile"));

test("there is one Dockerfile per deployable of scripts/build/targets.ts, and no other", () => {
  expect(dockerfiles.map((f) => f.replace(/\.Dockerfile$/, "")).sort()).toEqual(Object.keys(TARGETS).sort());
});

test(".dockerignore keeps local state out of the context but not what the images build from", () => {
  for (const local of ["node_modules", "packages/store/node_modules", ".git", "dist", ".data", "packages/proto/src/gen"]) expect(excludedFromContext(local)).toBe(true);
  for (const needed of ["package.json", "pnpm-lock.yaml", "packages/domain/src/topics.ts", "proto/buf.yaml", "scripts/build/bundle.ts", "docker/healthcheck.mjs"]) expect(excludedFromContext(needed)).toBe(false);
});

describe.each(dockerfiles)("docker/%s", (file) => {
  const target = file.replace(/\.Dockerfile$/, "");
  const spec = TARGETS[target];
  const stages = stagesOf(readFileSync(repoPath("docker", file), "utf8"));
  const runtime = stages[stages.length - 1];
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));

  test("is multi-stage, and every base image is pinned to an exact version or a digest", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      if (stageNames.has(s.image)) continue;
      const [, tag] = s.image.split("@")[0].split(":");
      const pinned = /@sha256:[0-9a-f]{64}$/.test(s.image) || /^\d+\.\d+\.\d+(-[a-z0-9.]+)?$/.test(tag ?? "");
      expect({ image: s.image, pinned }).toEqual({ image: s.image, pinned: true });
    }
  });

  test("the build stage bundles this target; the runtime stage installs nothing and copies only that bundle", () => {
    const build = stages.find((s) => s.name === "build")!;
    expect(build).toBeDefined();
    expect(all(build, "RUN").some((r) => r.getArgumentsContent()!.includes(`scripts/build/bundle.ts ${target}`))).toBe(true);
    // Production dependencies only: nothing is installed into the runtime image at all.
    for (const r of all(runtime, "RUN")) expect(r.getArgumentsContent()).not.toMatch(/\b(npm|pnpm|yarn)\s+(install|add|ci)\b|apk add|apt-get install/);
    expect(all(runtime, "ADD")).toEqual([]);
  });

  test("every copied path exists in the build context or is an output of its build stage", () => {
    for (const s of stages) {
      const workdir = args(all(s, "WORKDIR")[0] ?? ({ getArguments: () => [{ getValue: () => "/" }] } as unknown as Instruction))[0];
      for (const copy of all(s, "COPY")) {
        const sources = args(copy).slice(0, -1);
        const from = flagOf(copy, "from");
        if (from) {
          // Only files the named stage wrote: the bundle (and its source map) under dist/, and
          // the native prebuilds the bundle loads from beside it, and for the all-in-one the web
          // page's build (dist/web, written by a vite build there).
          expect(stageNames.has(from)).toBe(true);
          const producer = stages.find((x) => x.name === from)!;
          const producerDir = args(all(producer, "WORKDIR")[0])[0];
          const outputs = `dist/${target}\\.mjs(\\.map)?|dist/prebuilds` + (target === "all-in-one" ? "|dist/web" : "");
          for (const src of sources) expect(posix.relative(producerDir, src)).toMatch(new RegExp(`^(${outputs})$`));
          if (sources.some((src) => src.endsWith("/dist/web"))) {
            expect(all(producer, "RUN").some((r) => /vite build .*--outDir \/src\/dist\/web/.test(r.getArgumentsContent()!))).toBe(true);
          }
        } else {
          for (const src of sources) {
            expect({ src, exists: existsSync(repoPath(src)) }).toEqual({ src, exists: true });
            expect({ src, excluded: excludedFromContext(src) }).toEqual({ src, excluded: false });
          }
        }
      }
      expect(workdir).toMatch(/^\//);
    }
  });

  if (target === "all-in-one") {
    test("the image holds the built web page and points CHAT_WEB_DIR at it", () => {
      const copy = all(runtime, "COPY").find((c) => args(c)[0].endsWith("/dist/web"));
      expect(copy && args(copy)).toEqual(["/src/dist/web", "./web"]);
      expect(args(one(runtime, "WORKDIR"))).toEqual(["/app"]);
      expect(one(runtime, "ENV").getArgumentsContent()).toMatch(/CHAT_WEB_DIR=\/app\/web\b/);
    });
  }

  test("the runtime runs as uid 65534 and stops on SIGTERM", () => {
    expect(args(one(runtime, "USER"))).toEqual(["65534:65534"]);
    expect(args(one(runtime, "STOPSIGNAL"))).toEqual(["SIGTERM"]);
    // USER comes before the entrypoint could ever run anything as root.
    const keywords = runtime.instructions.map((i) => i.getKeyword());
    expect(keywords.lastIndexOf("RUN")).toBeLessThan(keywords.indexOf("USER"));
  });

  test("the entrypoint is exec form: node running this bundle", () => {
    const entry = JSON.parse(one(runtime, "ENTRYPOINT").getArgumentsContent()!) as string[];
    expect(entry[0]).toBe("node");
    expect(entry[entry.length - 1]).toBe(`/app/${target}.mjs`);
  });

  test("the health check runs node on the service's own health port, without a shell", () => {
    const hc = one(runtime, "HEALTHCHECK");
    if (!spec.health) {
      // A one-shot job has nothing to probe and says so explicitly.
      expect(args(hc)).toEqual(["NONE"]);
      expect(all(runtime, "EXPOSE")).toEqual([]);
      return;
    }
    const content = hc.getArgumentsContent()!;
    const cmd = JSON.parse(content.slice(content.indexOf("CMD") + 3).trim()) as string[];
    expect(cmd).toEqual(["node", "/app/healthcheck.mjs", spec.health.env, String(spec.health.port), spec.health.path]);
    // The script it runs is copied into the image.
    expect(all(runtime, "COPY").some((c) => args(c).includes("docker/healthcheck.mjs"))).toBe(true);
    // Exposed ports are the service's listeners, with the defaults of packages/config.
    expect(args(one(runtime, "EXPOSE")).map(Number).sort()).toEqual(Object.values(spec.ports!).sort());
  });
});
