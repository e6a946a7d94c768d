import { readdirSync, readFileSync } from "node:fs";

// Server cost read from /proc, so targets are compared by CPU-seconds actually spent rather than
// by wall-clock latency on a machine other people share.
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcSample {
  cpuSec: number;
  rssBytes: number;
}

function readStat(pid: number): { ppid: number; cpuSec: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(f[1]), cpuSec: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function readRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// The pids and all their live descendants (a launcher script's java, a shell's node).
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(Number(name));
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

// CPU-seconds (user + system) and resident memory of the processes, summed. Exited processes
// count as zero, so take the difference of two samples of the same live set.
export function sample(pids: number[]): ProcSample {
  let cpuSec = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (!st) continue;
    cpuSec += st.cpuSec;
    rssBytes += readRss(pid);
  }
  return { cpuSec, rssBytes };
}
