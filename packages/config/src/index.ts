export { loadConfig, ConfigError, type LoadOptions } from "./load";
export { loadConfigFromSources, sourcesFromEnv, SOURCE_KEYS } from "./resolve";
export type { ConfigSource, AwsClientOptions } from "./sources/config-source";
export { ssmSource } from "./sources/ssm-source";
export { secretsManagerSource } from "./sources/secrets-manager-source";
export { envSchema } from "./schema";
export type { Config, KafkaConsumerTiming, RateLimit } from "./types";
