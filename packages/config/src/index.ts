export { loadConfig, ConfigError, type LoadOptions } from "./load";
export type { Config, KafkaConsumerTiming, RateLimit } from "./types";
