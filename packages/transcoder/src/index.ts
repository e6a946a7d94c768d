export { createRestHandler, sendNotFound, type RestOptions } from "./rest-handler";
export { buildOpenApi } from "./openapi";
export { httpBindings, type HttpBinding } from "./http-rules";
export { parsePathTemplate, matchPath, toOpenApiPath, type PathTemplate } from "./path-template";
export { buildRequestJson } from "./request-mapping";
