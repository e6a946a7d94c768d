import { Counter, Gauge, Histogram, type Logger, type Registry } from "@chat/observability";
import type { BreakerState } from "@chat/domain";
import type { LinkObserver } from "./gateway-link";

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

// Metrics and logs of the delivery links. A breaker's state changes are logged once each at
// warn: that is how an operator learns that a gateway stopped answering, and that it is back.
export function linkObserver(metrics: Registry, logger: Logger): LinkObserver {
  const delivered = new Counter({ name: "fanout_deliveries_total", help: "Frames the gateways queued on client connections", registers: [metrics] });
  const failures = new Counter({ name: "fanout_delivery_failures_total", help: "Deliver calls that failed or timed out", labelNames: ["gateway"], registers: [metrics] });
  const skipped = new Counter({
    name: "fanout_deliveries_skipped_total",
    help: "Deliveries not pushed (clients recover by sync), by reason: breaker_open, failed, queue_full, unknown_gateway",
    labelNames: ["reason"],
    registers: [metrics],
  });
  const delay = new Histogram({
    name: "fanout_push_delay_seconds",
    help: "From hand-over to the gateway's answer, per delivery",
    labelNames: ["gateway"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [metrics],
  });
  const state = new Gauge({ name: "fanout_gateway_breaker_state", help: "Per-gateway breaker: 0 closed, 1 half-open, 2 open", labelNames: ["gateway"], registers: [metrics] });
  const transitions = new Counter({ name: "fanout_gateway_breaker_transitions_total", help: "Breaker state changes, by gateway and new state", labelNames: ["gateway", "to"], registers: [metrics] });
  return {
    delivered: (_gatewayId, frames) => delivered.inc(frames),
    skipped(gatewayId, reason, n, err) {
      skipped.inc({ reason }, n);
      if (reason === "failed") {
        failures.inc({ gateway: gatewayId });
        logger.debug({ gateway: gatewayId, deliveries: n, err }, "Deliver failed; clients recover by sync");
      }
    },
    pushDelay: (gatewayId, seconds) => delay.observe({ gateway: gatewayId }, seconds),
    breakerChanged(gatewayId, to, from) {
      state.set({ gateway: gatewayId }, STATE_VALUE[to]);
      transitions.inc({ gateway: gatewayId, to });
      const message =
        to === "open" ? "gateway unhealthy: breaker open, deliveries to it are skipped until a trial call succeeds"
        : to === "half_open" ? "gateway breaker half-open: sending a trial Deliver"
        : "gateway healthy again: breaker closed";
      logger.warn({ gateway: gatewayId, from, to }, message);
    },
  };
}
