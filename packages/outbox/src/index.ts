export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay";
export { PublishPipeline } from "./publish-pipeline";
export { publishPlan } from "./publish-order";
export { registerOutboxBacklogGauge, OUTBOX_BACKLOG_CAP, OUTBOX_BACKLOG_METRIC } from "./backlog-gauge";
