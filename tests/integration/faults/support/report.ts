import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { execFileSync } from "node:child_process";
import type { LoadShape } from "./load";

const ROOT = resolve(import.meta.dirname, "../../../..");
export const REPORT_DIR = resolve(ROOT, ".test-results/faults");

// Live delivery should be back this soon after a fault ends (issue 10, item 13): reported.
export const RECOVERY_GOAL_MS = 5000;
// A scenario whose live delivery is not back within this bound fails.
export const RECOVERY_BOUND_MS = 60_000;

export interface ScenarioReport {
  scenario: string;
  title: string;
  load: LoadShape;
  startedAt: string;
  // Length of the fault (first injection to its end), and of the load run in total.
  faultMs: number;
  // The injection's steps, with their time from the fault's start.
  faultSteps: string[];
  durationMs: number;
  sent: number;
  acked: number;
  gaveUp: number;
  deliveredLive: number;
  recoveredBySync: number;
  holes: number;
  errors: Record<string, number>;
  // From the end of the fault until live delivery resumed in every chat; null: not within the bound.
  timeToRecoverMs: number | null;
  withinGoal: boolean;
  violations: string[];
  // Processes found not ready before the scenario and restarted by the harness.
  restartedBefore: string[];
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; commit: string };
}

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  } catch {
    return "unknown";
  }
}

export function machine(): ScenarioReport["machine"] {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, commit: commit() };
}

export function writeReport(r: ScenarioReport): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(resolve(REPORT_DIR, `${r.scenario}.json`), JSON.stringify(r, null, 2));
}

// The services' output during a scenario (warnings and errors at CHAT_LOG_LEVEL=warn), for a
// post-mortem next to the JSON report.
export function writeServiceLog(scenario: string, text: string): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(resolve(REPORT_DIR, `${scenario}.log`), text);
}

export function formatReport(r: ScenarioReport): string {
  const errors = Object.entries(r.errors).map(([k, n]) => `${k}=${n}`).join(" ") || "none";
  const ttr = r.timeToRecoverMs === null ? `NOT within ${RECOVERY_BOUND_MS / 1000} s` : `${(r.timeToRecoverMs / 1000).toFixed(1)} s${r.withinGoal ? "" : " (over the 5 s goal)"}`;
  return (
    `[faults] ${r.scenario}: sent ${r.sent}, acked ${r.acked}, gave up ${r.gaveUp}, delivered live ${r.deliveredLive}, ` +
    `recovered by sync ${r.recoveredBySync}, holes ${r.holes}, errors ${errors}, fault ${(r.faultMs / 1000).toFixed(1)} s${r.faultSteps.length ? ` (${r.faultSteps.join(", ")})` : ""}, ` +
    `time to recover ${ttr}, violations ${r.violations.length}\n`
  );
}
