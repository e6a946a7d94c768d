import type { Target } from "./targets/target";

// Counters of the write path read from the services' /metrics (Prometheus text), so the bench
// can report requests per message (issue 7: ≤ 1 DynamoDB request and ≤ 0.1 Kafka produce
// request per message). Whichever of these a build exports is reported; older builds export
// none and get no row.
const WRITE_PATH = /^(eventlog_produce_requests_total|eventlog_published_records_total|[a-z_]*dynamodb[a-z_]*requests[a-z_]*_total|store_[a-z_]*requests[a-z_]*_total)$/;

export function scrapeCounters(target: Target): Promise<Record<string, number>> {
  return scrape(target, WRITE_PATH);
}

// The V8 heap of the connection-holding processes (prom-client's default gauges, summed per
// name and space label): tells the heap share of an RSS growth from allocator and young
// generation growth.
const HEAP = /^(nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_used_bytes|nodejs_heap_space_size_total_bytes)$/;

export function scrapeHeap(target: Target): Promise<Record<string, number>> {
  return scrape(target, HEAP, true);
}

async function scrape(target: Target, names: RegExp, withLabels = false): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (const url of target.metricsUrls()) {
    let text: string;
    try {
      text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m || !names.test(m[1])) continue;
      const name = withLabels && m[2] ? `${m[1]}${m[2]}` : m[1];
      sums[name] = (sums[name] ?? 0) + Number(m[3]);
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
