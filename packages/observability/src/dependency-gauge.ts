import { Gauge, type Registry } from "prom-client";

// A gauge whose value comes from a dependency (Kafka lag, a store count). A scrape must never
// wait on, or fail with, that dependency: the read is time-bounded, its errors are swallowed,
// the last good value is kept (stale rather than absent) and `<name>_up` says whether this
// scrape's read succeeded (1) or not (0).
export function registerDependencyGauge(opts: {
  registry: Registry;
  name: string;
  help: string;
  timeoutMs: number;
  read(): Promise<number>;
}): void {
  const sample = boundedSampler(opts.read, opts.timeoutMs);
  new Gauge({
    name: opts.name,
    help: `${opts.help} (last good value while the dependency is unreachable)`,
    registers: [opts.registry],
    async collect() {
      const s = await sample();
      if (s.value !== undefined) this.set(s.value);
    },
  });
  new Gauge({
    name: `${opts.name}_up`,
    help: `1 when the last scrape read ${opts.name} from its dependency, 0 when that read failed or timed out`,
    registers: [opts.registry],
    async collect() {
      this.set((await sample()).up ? 1 : 0);
    },
  });
}

export interface Sample {
  value: number | undefined;
  up: boolean;
}

// Never rejects; resolves within timeoutMs. Concurrent callers (the value and `_up` gauges of
// one scrape) share one read.
export function boundedSampler(read: () => Promise<number>, timeoutMs: number): () => Promise<Sample> {
  let last: number | undefined;
  let inFlight: Promise<Sample> | undefined;
  return () => {
    inFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
        timer.unref();
      });
      const attempt = Promise.resolve()
        .then(read)
        .then(
          (v) => ({ ok: true as const, v }),
          () => ({ ok: false as const }),
        );
      try {
        const r = await Promise.race([attempt, timeout]);
        if (r !== "timeout" && r.ok) {
          last = r.v;
          return { value: last, up: true };
        }
        return { value: last, up: false };
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
}

// The /metrics body, or a 500 with the reason: a failing collector must never become an
// unhandled rejection that takes the process down.
export async function renderMetrics(registry: Registry): Promise<{ status: number; contentType: string; body: string }> {
  try {
    return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
  } catch (err) {
    return { status: 500, contentType: "text/plain; charset=utf-8", body: `metrics collection failed: ${err instanceof Error ? err.message : String(err)}\n` };
  }
}
