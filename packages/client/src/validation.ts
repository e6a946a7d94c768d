import { ChatClientError } from "./errors";

// The server's rules (docs/protocol.md, "Limits"), checked before anything is sent so a bad
// argument fails fast with the same code the server would give.
const ID_PATTERN = /^[A-Za-z0-9_\-.:@]+$/;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/i;
export const MAX_ID_LENGTH = 128;
const MAX_CONTENT_TYPE_LENGTH = 100;

export function checkId(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw invalid(field, `${field} is required`);
  if (value.length > MAX_ID_LENGTH) throw invalid(field, `${field} is longer than ${MAX_ID_LENGTH} characters`);
  if (!ID_PATTERN.test(value) || value === "." || value === "..") throw invalid(field, `${field} has characters outside [A-Za-z0-9_-.:@]`);
  return value;
}

export function checkBody(body: unknown, maxBodyBytes: number): string {
  if (typeof body !== "string" || body.length === 0) throw invalid("body", "body must be a non-empty string");
  const bytes = new TextEncoder().encode(body).byteLength;
  if (bytes > maxBodyBytes) {
    throw new ChatClientError("message_too_large", `body is ${bytes} bytes, the limit is ${maxBodyBytes}`, { details: { field: "body", limit: maxBodyBytes, size: bytes } });
  }
  return body;
}

export function checkContentType(contentType: unknown): string {
  if (contentType === undefined || contentType === "") return "text/plain";
  if (typeof contentType !== "string" || contentType.length > MAX_CONTENT_TYPE_LENGTH || !CONTENT_TYPE.test(contentType)) {
    throw invalid("contentType", "contentType must look like type/subtype");
  }
  return contentType;
}

export function checkSeq(field: string, value: unknown): bigint {
  let seq: bigint;
  try {
    seq = typeof value === "bigint" ? value : typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : typeof value === "string" && /^\d+$/.test(value) ? BigInt(value) : -1n;
  } catch {
    seq = -1n;
  }
  if (seq <= 0n || seq > 0xffff_ffff_ffff_ffffn) throw invalid(field, `${field} must be a positive integer`);
  return seq;
}

function invalid(field: string, message: string): ChatClientError {
  return new ChatClientError("invalid_argument", message, { details: { field } });
}
