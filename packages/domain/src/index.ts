export * from "./errors";
export * from "./topics";
export * from "./partitioning";
export * from "./limits";
export * from "./ids";
export { canonicalJson } from "./messages/canonical-json";
export { computeMessageId, canonicalMessageEvent, type MessageEventFields } from "./messages/message-id";
export { validateSend, DEFAULT_CONTENT_TYPE, type SendInput, type SendLimits } from "./messages/validate-send";
export { advancePosition, type ReceiptKind, type Position } from "./receipts/advance";
