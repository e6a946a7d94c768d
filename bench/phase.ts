import type { PhaseReply } from "./load/commands";
import { Histogram } from "./stats/histogram";

// One phase's replies from several generators, combined.
export interface Phase {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  deliveries: number;
  expectedDeliveries: number;
  ack: Histogram;
  delivery: Histogram;
  spanMs: number;
  lastMemberMs: number[];
  correctness: { duplicates: number; outOfOrder: number; missing: number; missingInStore: number; missingLost: number; missingUnchecked: number };
}

export function combine(replies: PhaseReply[]): Phase {
  const errors: Record<string, number> = {};
  for (const r of replies) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const sum = (f: (r: PhaseReply) => number) => replies.reduce((a, r) => a + f(r), 0);
  return {
    sent: sum((r) => r.sent),
    acked: sum((r) => r.acked),
    errors,
    deliveries: sum((r) => r.deliveries),
    expectedDeliveries: sum((r) => r.expectedDeliveries),
    ack: replies.reduce((h, r) => h.merge(r.ackLatency), new Histogram()),
    delivery: replies.reduce((h, r) => h.merge(r.deliveryLatency), new Histogram()),
    spanMs: Math.max(0, ...replies.map((r) => r.spanMs)),
    lastMemberMs: replies.flatMap((r) => r.lastMemberMs),
    correctness: {
      duplicates: sum((r) => r.duplicates),
      outOfOrder: sum((r) => r.outOfOrder),
      missing: sum((r) => r.missing),
      missingInStore: sum((r) => r.missingInStore),
      missingLost: sum((r) => r.missingLost),
      missingUnchecked: sum((r) => r.missingUnchecked),
    },
  };
}

// Violations of the guarantees (issue 7 point 4): lost, duplicated or reordered deliveries.
// A missing push that is in the store is not a violation (the client gets it by sync).
export function violations(p: Phase): number {
  return p.correctness.duplicates + p.correctness.outOfOrder + p.correctness.missingLost + p.correctness.missingUnchecked;
}

export const round = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? undefined : Number(x.toFixed(digits)));

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}
