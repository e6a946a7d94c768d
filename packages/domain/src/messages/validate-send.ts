import { ChatError } from "../errors";
import { validateId } from "../ids";

export interface SendInput {
  chatId: string;
  clientMessageId: string;
  body: string;
  contentType: string;
}

export interface SendLimits {
  maxBodyBytes: number;
  maxIdLength: number;
}

export const DEFAULT_CONTENT_TYPE = "text/plain";
const CONTENT_TYPE = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/i;

// Pure validation of a send; returns the normalized input or throws a ChatError.
export function validateSend(input: SendInput, limits: SendLimits): SendInput {
  validateId("chat_id", input.chatId, limits.maxIdLength);
  validateId("client_message_id", input.clientMessageId, limits.maxIdLength);
  if (input.body.length === 0) throw new ChatError("invalid_argument", "body must not be empty", { details: { field: "body" } });
  const bytes = Buffer.byteLength(input.body, "utf8");
  if (bytes > limits.maxBodyBytes) {
    throw new ChatError("message_too_large", `body is ${bytes} bytes, the limit is ${limits.maxBodyBytes}`, {
      details: { field: "body", limit: limits.maxBodyBytes, size: bytes },
    });
  }
  const contentType = input.contentType === "" ? DEFAULT_CONTENT_TYPE : input.contentType;
  if (contentType.length > 100 || !CONTENT_TYPE.test(contentType)) {
    throw new ChatError("invalid_argument", "content_type must look like type/subtype", { details: { field: "content_type" } });
  }
  return { ...input, contentType };
}
