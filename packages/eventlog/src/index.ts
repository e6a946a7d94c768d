export type { EventLog, EventRecord, EventBatch, PublishRecord, Headers, TopicSpec, SubscribeOptions, Subscription } from "./port";
export { withDeadLetters, type DeadLetterOptions } from "./dead-letter";
