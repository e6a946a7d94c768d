// Bundles each deployable into one ESM file under dist/ that plain `node` runs (no tsx, no
// node_modules): the four services, the all-in-one, the development issuer and the bootstrap
// command. The images ship only these files (docker/*.Dockerfile).
//
//   node --import tsx scripts/build/bundle.ts            every target
//   node --import tsx scripts/build/bundle.ts gateway    one target (the Dockerfiles build one each)
//
// Every bundle answers `--version` with "<target> <version> (<commit>)" and exits, so a build
// can be smoke-tested without configuration. CHAT_BUILD_COMMIT overrides the commit (images are
// built without .git).
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { TARGETS } from "./targets";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function commit(): string {
  if (process.env.CHAT_BUILD_COMMIT) return process.env.CHAT_BUILD_COMMIT;
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "unknown";
  }
}

// Bundled CommonJS dependencies (kafkajs, ioredis, the AWS SDK, pino) call require() and read
// __dirname; ESM has neither, so every bundle defines them from its own URL first.
const banner = [
  'import { createRequire as __chatCreateRequire } from "node:module";',
  'import { fileURLToPath as __chatFileURLToPath } from "node:url";',
  'import { dirname as __chatDirname } from "node:path";',
  "const require = __chatCreateRequire(import.meta.url);",
  "const __filename = __chatFileURLToPath(import.meta.url);",
  "const __dirname = __chatDirname(__filename);",
].join("\n");

async function bundle(name: string, sha: string): Promise<void> {
  const target = TARGETS[name];
  const { version } = JSON.parse(readFileSync(resolve(root, target.packageJson), "utf8")) as { version: string };
  const label = `${name} ${version} (${sha})`;
  // A tiny entry in front of the real main: --version must answer before config is loaded.
  const entry = [
    `if (process.argv.includes("--version")) { process.stdout.write(${JSON.stringify(label + "\n")}); process.exit(0); }`,
    `await import(${JSON.stringify("./" + target.entry)});`,
  ].join("\n");
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: `${name}-entry.mjs`, loader: "js" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: resolve(root, "dist", `${name}.mjs`),
    banner: { js: banner },
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  process.stdout.write(`dist/${name}.mjs  ${(bytes / 1024 / 1024).toFixed(1)} MiB  ${label}\n`);
}

// A native addon cannot be bundled. classic-level (the embedded store's LevelDB, ADR 0024) loads
// its prebuilt binary through node-gyp-build from prebuilds/<platform>-<arch>/ beside the bundle
// (its __dirname), picking the musl build on Alpine: those come along in dist/prebuilds.
const NATIVE_PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64+arm64", "win32-x64"];
function copyNativePrebuilds(): void {
  const requireFromStore = createRequire(resolve(root, "packages/store/package.json"));
  const pkg = dirname(requireFromStore.resolve("classic-level/package.json"));
  for (const platform of NATIVE_PLATFORMS) cpSync(join(pkg, "prebuilds", platform), resolve(root, "dist", "prebuilds", platform), { recursive: true });
}

const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!TARGETS[w]) {
    process.stderr.write(`unknown target ${w}; known: ${Object.keys(TARGETS).join(", ")}\n`);
    process.exit(2);
  }
}
const sha = commit();
for (const name of wanted.length ? wanted : Object.keys(TARGETS)) await bundle(name, sha);
copyNativePrebuilds();
