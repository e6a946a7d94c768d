export { createKafkaEventLog, type KafkaEventLogOptions, type EventLogObserver } from "./kafka-event-log";
export { DEFAULT_BATCHING, type BatchingOptions } from "./batching-publisher";
export type { EventLogLogger } from "./logging";
export type { ConsumerTiming } from "./settings";
export { kafkaSecurityOptions, type KafkaSasl, type KafkaSecurity } from "./security";
export { mskIamTokenProvider, MskIamTokenError, type MskTokenSigner } from "./msk-iam";
