export { createKafkaEventLog, type KafkaEventLogOptions } from "./kafka-event-log";
export type { EventLogLogger } from "./logging";
export type { ConsumerTiming } from "./settings";
export { kafkaSecurityOptions, type KafkaSasl, type KafkaSecurity } from "./security";
export { mskIamTokenProvider, MskIamTokenError, type MskTokenSigner } from "./msk-iam";
