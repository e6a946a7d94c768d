export { createEventLog, createStore, createPresence } from "./adapters";
export { createVerifier } from "./identity";
export { runService, type ServiceRuntime } from "./run-service";
export { startOpsServer } from "./ops-server";
