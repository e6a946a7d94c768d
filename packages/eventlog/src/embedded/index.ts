export { createEmbeddedEventLog, EmbeddedEventLog } from "./embedded-event-log";
export type { EmbeddedEventLogOptions } from "./embedded-event-log";
