export { loadConfig, ConfigError, type LoadOptions } from "./load";
export type { Config, RateLimit } from "./types";
