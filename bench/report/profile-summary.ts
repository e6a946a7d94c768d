// Summarises a V8 CPU profile (node --cpu-prof) by self time: the functions the samples landed
// in, aggregated by name and location, plus GC and idle. For docs/benchmarks.md.
//   node --import tsx bench/report/profile-summary.ts FILE.cpuprofile [TOP]
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// In an esbuild bundle, the source file a line belongs to: the nearest "// path" module comment
// above it (node_modules paths shortened to the package).
const bundles = new Map<string, Array<[number, string]>>();
function sourceOf(url: string, line: number): string | undefined {
  if (!url.startsWith("file://") || !url.endsWith(".mjs")) return undefined;
  let marks = bundles.get(url);
  if (!marks) {
    marks = [];
    const file = fileURLToPath(url);
    if (existsSync(file)) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((l, i) => {
          const m = /^\/\/ ((?:node_modules|packages|services)\/\S+)$/.exec(l);
          if (m) marks!.push([i, m[1].replace(/^node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, "")]);
        });
    }
    bundles.set(url, marks);
  }
  let found: string | undefined;
  for (const [at, path] of marks) {
    if (at > line) break;
    found = path;
  }
  return found;
}

export function selfTimes(profile: Profile): Array<{ name: string; ms: number; share: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const n = byId.get(id);
    if (!n) return;
    const f = n.callFrame;
    // node_modules/.pnpm/<pkg>@<v>/node_modules/<pkg>/... → <pkg>/...
    const where = f.url.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^file:\/\/.*?\/(packages|services)\//, "$1/");
    const where2 = sourceOf(f.url, f.lineNumber) ?? (where ? `${where}:${f.lineNumber + 1}` : "");
    const name = `${f.functionName || "(anonymous)"} ${where2}`.trim();
    time.set(name, (time.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...time.entries()].map(([name, ms]) => ({ name, ms, share: ms / total })).sort((a, b) => b.ms - a.ms);
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const [file, top = "30"] = process.argv.slice(2);
  const rows = selfTimes(JSON.parse(readFileSync(file, "utf8")) as Profile);
  const busy = rows.filter((r) => r.name !== "(idle)");
  const busyMs = busy.reduce((a, r) => a + r.ms, 0);
  process.stdout.write(`busy ${(busyMs / 1000).toFixed(1)} s of samples; share of busy time:\n\n| self % | function |\n|---:|---|\n`);
  for (const r of busy.slice(0, Number(top))) process.stdout.write(`| ${((r.ms / busyMs) * 100).toFixed(1)} | \`${r.name}\` |\n`);
}
