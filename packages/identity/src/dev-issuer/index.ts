export { startDevIssuer, type DevIssuer, type DevIssuerOptions } from "./dev-issuer";
export { DEV_CLIENTS, DEV_RESOURCE, WEB_APP_PATH } from "./clients";
