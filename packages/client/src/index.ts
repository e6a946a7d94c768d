// @chat/client — the browser-safe entry. Node-only pieces (the `ws` WebSocket, the file outbox)
// are in @chat/client/node.
export { ChatClient, type ChatClientOptions, type ChatClientEvents, type ConnectionState, type StateChange, type SendAck, type SendOptions } from "./client/chat-client";
export { ChatClientError, type ChatClientErrorCode, type ServerErrorCode, type ClientOnlyErrorCode } from "./errors";
export type { TokenProvider, TokenRequestReason } from "./auth/token-source";
export { tokenExpiry } from "./auth/token";
export { createChatApi, toChatClientError, type ChatApi, type ChatApiOptions } from "./api/chat-api";
export { TokenSource } from "./auth/token-source";
export type { WebSocketLike, WebSocketFactory } from "./connection/websocket";
export type { BackoffOptions } from "./connection/backoff";
export type { Encoding } from "./protocol/codec";
export { MemoryOutboxStorage, type OutboxEntry, type OutboxStorage } from "./outbox/outbox-storage";
export { IndexedDbOutboxStorage } from "./storage/indexeddb-outbox-storage";
export { newClientMessageId } from "./ids";
// The proto types the events and the API carry, so apps need no second import.
export type { Message, Chat, Member, ServerHello, ServerReceipt, ServerPresence, ServerTyping, ServerMembership, ReceiptPosition } from "@chat/proto";
export { ChatKind, MemberRole, MembershipChange, PresenceStatus } from "@chat/proto";
