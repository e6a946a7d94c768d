export { loadConfig, ConfigError, type LoadOptions } from "./load";
export type { Config } from "./types";
