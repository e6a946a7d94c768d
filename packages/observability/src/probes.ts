import { getHeapStatistics } from "node:v8";

// /ready and /health bodies shared by every service.
//
// /ready: one entry per dependency ("ok", "timeout", "unreachable", or a state such as the
// ingest breaker's colour); 503 when any is down. /health: liveness only, in the seed 003 shape
// ({ status, timestamp, checks }); dependencies are deliberately left out, so an orchestrator does
// not restart every replica during a dependency outage it cannot fix.

export type ProbeResult = "ok" | "timeout" | "unreachable";
export type Probe = () => Promise<void> | boolean;

export const PROBE_TIMEOUT_MS = 1000;

// Each probe time-bounded; a rejection or `false` is "unreachable", never an exception.
export async function probeAll(probes: Record<string, Probe>, timeoutMs = PROBE_TIMEOUT_MS): Promise<{ ready: boolean; checks: Record<string, ProbeResult> }> {
  const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await probeOne(probe, timeoutMs)] as const));
  const checks = Object.fromEntries(entries) as Record<string, ProbeResult>;
  return { ready: entries.every(([, r]) => r === "ok"), checks };
}

async function probeOne(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const attempt = (async (): Promise<ProbeResult> => ((await probe()) === false ? "unreachable" : "ok"))();
    return await Promise.race([attempt, timeout]);
  } catch {
    return "unreachable";
  } finally {
    clearTimeout(timer);
  }
}

export function readyBody(ready: boolean, checks: Record<string, string>): { status: "ready" | "not_ready"; timestamp: string; checks: Record<string, string> } {
  return { status: ready ? "ready" : "not_ready", timestamp: new Date().toISOString(), checks };
}

// Heap in use above this share of the heap limit reports memory_usage "high" (still 200: a
// process under memory pressure is alive; the orchestrator's OOM handling acts on it).
const HIGH_HEAP_SHARE = 0.9;

export function healthBody(): { status: "healthy"; timestamp: string; checks: Record<string, string> } {
  const { heapUsed } = process.memoryUsage();
  const limit = getHeapStatistics().heap_size_limit;
  return {
    status: "healthy",
    timestamp: new Date().toISOString(),
    checks: { memory_usage: heapUsed > HIGH_HEAP_SHARE * limit ? "high" : "normal" },
  };
}
