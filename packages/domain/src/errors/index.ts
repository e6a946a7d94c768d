export { ERROR_CODES, type ErrorCode } from "./codes";
export { ChatError, isChatError } from "./chat-error";
