export { createEventLog, createStore, createPresence } from "./adapters";
export { createMembershipCache, type CachedMembership } from "./membership";
export { createVerifier } from "./identity";
export { runService, type ServiceRuntime } from "./run-service";
export { startOpsServer } from "./ops-server";
// Health bodies live with the rest of observability; re-exported for the composition roots.
export { probeAll, readyBody, healthBody, PROBE_TIMEOUT_MS, type Probe, type ProbeResult } from "@chat/observability";
