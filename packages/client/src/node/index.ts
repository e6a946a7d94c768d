// @chat/client/node — the SDK for Node: the same client with the `ws` package as its WebSocket
// (Node 20 has no stable global WebSocket) and a file-backed outbox.
import WebSocket from "ws";
import { ChatClient, type ChatClientOptions } from "../client/chat-client";
import type { WebSocketFactory, WebSocketLike } from "../connection/websocket";

export * from "../index";
export { FileOutboxStorage } from "./file-outbox-storage";

export const nodeWebSocket: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike;

// A ChatClient whose WebSocket defaults to `ws`.
export function createChatClient(options: ChatClientOptions): ChatClient {
  return new ChatClient({ webSocket: nodeWebSocket, ...options });
}
