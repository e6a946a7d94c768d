export { createEventLog, createStore, createPresence } from "./adapters";
export { createVerifier } from "./identity";
export { runService, type ServiceRuntime } from "./run-service";
export { startOpsServer } from "./ops-server";
export { probeAll, readyBody, healthBody, PROBE_TIMEOUT_MS, type Probe, type ProbeResult } from "./probes";
