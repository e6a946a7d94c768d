import { registerDependencyGauge, type Registry } from "@chat/observability";
import type { Store } from "@chat/store";

export const OUTBOX_BACKLOG_METRIC = "outbox_backlog";
// A scrape during a large backlog counts at most this many entries (DynamoDB reads what it
// counts): the gauge then reads the cap, which is all an alert needs.
export const OUTBOX_BACKLOG_CAP = 10_000;
const READ_TIMEOUT_MS = 2000;

// Outbox entries written but not yet published (issue 9 point 4), exported by every process
// that runs a relay. The outbox is one table shared by all relays, so every replica reports the
// same number: aggregate with max(), not sum(). Registered once per registry (all-in-one runs
// ingest and chatmgmt on one registry and one store).
export function registerOutboxBacklogGauge(registry: Registry, store: Pick<Store, "countOutbox">): void {
  if (registry.getSingleMetric(OUTBOX_BACKLOG_METRIC)) return;
  registerDependencyGauge({
    registry,
    name: OUTBOX_BACKLOG_METRIC,
    help: `Outbox entries written with their state change but not yet published to the event log (counted up to ${OUTBOX_BACKLOG_CAP})`,
    timeoutMs: READ_TIMEOUT_MS,
    read: () => store.countOutbox(OUTBOX_BACKLOG_CAP),
  });
}
