import type { NodeHttpHandlerOptions } from "@smithy/node-http-handler";

// How the DynamoDB client talks HTTP (issue 10 item 13e).
//
// - requestTimeout is only a warning in @smithy/node-http-handler unless throwOnRequestTimeout
//   is set (checked in the 4.x source the lockfile pins): without it a request to a hung
//   endpoint (paused DynamoDB Local, a black-holed connection) waits for as long as the hang
//   lasts, and the hole-finality bound of docs/data-model.md does not hold. With it the
//   request is destroyed at the timeout and the SDK's retry strategy tries again on a new
//   socket (TimeoutError is a transient error), up to maxAttempts.
// - Keep-alive sockets: a store call is a few small requests, and a TLS handshake per request
//   would cost more than the request. maxSockets caps the connections per replica; beyond it
//   requests queue in the agent (the SDK warns when they wait longer than
//   socketAcquisitionWarningTimeout).
export interface DynamoHttpTimeouts {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: DynamoHttpTimeouts = { connectionTimeoutMs: 1000, requestTimeoutMs: 3000 };
export const MAX_SOCKETS = 64;

export function httpHandlerOptions(t: DynamoHttpTimeouts = DEFAULT_HTTP_TIMEOUTS): NodeHttpHandlerOptions {
  const agent = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: MAX_SOCKETS, maxFreeSockets: 16 };
  return {
    connectionTimeout: t.connectionTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    throwOnRequestTimeout: true,
    socketAcquisitionWarningTimeout: t.requestTimeoutMs,
    httpAgent: agent,
    httpsAgent: agent,
  };
}
