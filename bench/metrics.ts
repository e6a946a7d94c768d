import type { Target } from "./targets/target";

// Counters of the write path read from the services' /metrics (Prometheus text), so the bench
// can report requests per message (issue 7: ≤ 1 DynamoDB request and ≤ 0.1 Kafka produce
// request per message). Whichever of these a build exports is reported; older builds export
// none and get no row.
const WRITE_PATH = /^(eventlog_produce_requests_total|eventlog_published_records_total|[a-z_]*dynamodb[a-z_]*requests[a-z_]*_total|store_[a-z_]*requests[a-z_]*_total)$/;

export async function scrapeCounters(target: Target): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (const url of target.metricsUrls()) {
    let text: string;
    try {
      text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? (\S+)$/.exec(line);
      if (m && WRITE_PATH.test(m[1])) sums[m[1]] = (sums[m[1]] ?? 0) + Number(m[2]);
    }
  }
  return sums;
}

// Each counter's growth between two scrapes, per acknowledged message.
export function perMessage(before: Record<string, number>, after: Record<string, number>, messages: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (messages <= 0) return out;
  for (const [name, v] of Object.entries(after)) out[name] = (v - (before[name] ?? 0)) / messages;
  return out;
}
