export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay";
export { publishPlan } from "./publish-order";
