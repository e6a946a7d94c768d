export { planDeliveries, type Addressed, type GatewayPlan } from "./plan-deliveries";
export { FrameRouter, type RouteOutcome } from "./frame-router";
