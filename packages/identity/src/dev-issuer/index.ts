export { startDevIssuer, DEV_CLIENTS, DEV_RESOURCE, type DevIssuer, type DevIssuerOptions } from "./dev-issuer";
