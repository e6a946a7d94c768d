import { execSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { ROOT } from "../targets/all-in-one";

// The conditions of a run, written next to its figures.
export function machine() {
  const git = (cmd: string) => {
    try {
      return execSync(`git -C ${JSON.stringify(ROOT)} ${cmd}`, { encoding: "utf8" }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    // The measured tree's commit (BENCH_TREE or this one).
    tree: ROOT,
    commit: git("rev-parse --short=12 HEAD"),
    dirty: !!git("status --porcelain --untracked-files=no"),
  };
}
