export { createEmbeddedEventLog, EmbeddedEventLog } from "./embedded-event-log";
