// The all-in-one's defaults (`make dev`); `chat login` takes others and stores them.
export const DEFAULTS = {
  issuer: "http://127.0.0.1:4400",
  apiUrl: "http://127.0.0.1:8081",
  wsUrl: "ws://127.0.0.1:8080/ws/v1",
  clientId: "chat-cli",
  resource: "urn:chat:api",
  loginTimeoutSec: 300,
} as const;
