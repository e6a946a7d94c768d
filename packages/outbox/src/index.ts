export { OutboxRelay } from "./outbox-relay";
