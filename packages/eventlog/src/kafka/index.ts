export { createKafkaEventLog, type KafkaEventLogOptions } from "./kafka-event-log";
export type { EventLogLogger } from "./logging";
export type { ConsumerTiming } from "./settings";
