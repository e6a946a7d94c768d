import { GatewayLink, UnknownGatewayError, type LinkObserver, type SkipReason } from "../src/deliver/gateway-link";

function recorder() {
  const log = { delivered: 0, skipped: [] as Array<[SkipReason, number]>, delays: [] as number[], changes: [] as string[] };
  const observer: LinkObserver = {
    delivered: (_g, n) => void (log.delivered += n),
    skipped: (_g, reason, n) => void log.skipped.push([reason, n]),
    pushDelay: (_g, s) => void log.delays.push(s),
    breakerChanged: (_g, to, from) => void log.changes.push(`${from}->${to}`),
  };
  return { log, observer };
}

// A Deliver stand-in whose calls the test answers one by one.
function manualDeliver() {
  const calls: Array<{ deliveries: number[]; resolve: (n: number) => void; reject: (e: unknown) => void }> = [];
  const fn = (deliveries: number[]) => new Promise<number>((resolve, reject) => calls.push({ deliveries, resolve, reject }));
  return { calls, fn };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("GatewayLink", () => {
  const options = { failureThreshold: 2, cooldownMs: 1000, maxQueued: 5, maxPerCall: 3 };

  test("one call in flight at a time; what queued meanwhile goes out next, coalesced, in hand-over order", async () => {
    const { log, observer } = recorder();
    const d = manualDeliver();
    const link = new GatewayLink("gw", d.fn, observer, options);
    link.enqueue([1]);
    link.enqueue([2, 3]);
    link.enqueue([4]);
    await flush();
    expect(d.calls.map((c) => c.deliveries)).toEqual([[1]]);
    d.calls[0].resolve(1);
    await flush();
    expect(d.calls.map((c) => c.deliveries)).toEqual([[1], [2, 3, 4]]);
    d.calls[1].resolve(3);
    await link.idle();
    expect(log.delivered).toBe(4);
    expect(log.delays).toHaveLength(4);
    expect(link.busy).toBe(false);
  });

  test("enqueue never waits for the gateway: a hung call does not block the caller", async () => {
    const { observer } = recorder();
    const d = manualDeliver();
    const link = new GatewayLink("gw", d.fn, observer, options);
    const started = Date.now();
    for (let i = 0; i < 3; i++) link.enqueue([i]);
    expect(Date.now() - started).toBeLessThan(50);
    expect(link.queued).toBe(2);
  });

  test("after the threshold of failures the breaker opens: queued and new deliveries are skipped without a call", async () => {
    const { log, observer } = recorder();
    const d = manualDeliver();
    let now = 0;
    const link = new GatewayLink("gw", d.fn, observer, { ...options, now: () => now });
    link.enqueue([1]);
    link.enqueue([2]);
    link.enqueue([3]);
    await flush();
    d.calls[0].reject(new Error("deadline exceeded"));
    await flush();
    d.calls[1].reject(new Error("deadline exceeded"));
    await link.idle();
    expect(link.breaker.state).toBe("open");
    expect(d.calls).toHaveLength(2);
    // [1] failed, [2, 3] failed (coalesced), nothing left queued.
    expect(log.skipped).toEqual([
      ["failed", 1],
      ["failed", 2],
    ]);
    link.enqueue([4, 5]);
    expect(log.skipped.at(-1)).toEqual(["breaker_open", 2]);
    expect(d.calls).toHaveLength(2);

    // After the cool-down the next hand-over is the trial; its success closes the breaker.
    now = 1000;
    link.enqueue([6]);
    await flush();
    expect(link.breaker.state).toBe("half_open");
    expect(d.calls[2].deliveries).toEqual([6]);
    d.calls[2].resolve(1);
    await link.idle();
    expect(link.breaker.state).toBe("closed");
    expect(log.changes).toEqual(["closed->open", "open->half_open", "half_open->closed"]);
  });

  test("a full queue skips the newest deliveries (a gap, never a reorder)", async () => {
    const { log, observer } = recorder();
    const d = manualDeliver();
    const link = new GatewayLink("gw", d.fn, observer, options);
    link.enqueue([1]);
    await flush();
    link.enqueue([2, 3, 4, 5, 6, 7, 8]);
    expect(log.skipped).toEqual([["queue_full", 2]]);
    d.calls[0].resolve(1);
    await flush();
    expect(d.calls[1].deliveries).toEqual([2, 3, 4]);
  });

  test("an unknown gateway is skipped without counting against its health", async () => {
    const { log, observer } = recorder();
    const link = new GatewayLink("gw", async () => Promise.reject(new UnknownGatewayError("gw")), observer, options);
    for (let i = 0; i < 5; i++) {
      link.enqueue([i]);
      await link.idle();
    }
    expect(link.breaker.state).toBe("closed");
    expect(log.skipped.every(([reason]) => reason === "unknown_gateway")).toBe(true);
  });
});
