export { ERROR_CODES, isErrorCode, type ErrorCode } from "./codes";
export { ChatError, isChatError } from "./chat-error";
