import { randomUUID } from "node:crypto";
import { ChatError } from "./errors";

// Ids are opaque printable tokens: letters, digits and - _ . : @ only, so they are safe in
// URLs, Redis keys and DynamoDB keys, and cannot smuggle path segments or control characters.
const ID_PATTERN = /^[A-Za-z0-9_\-.:@]+$/;

export function validateId(field: string, value: string, maxLength: number): void {
  if (value.length === 0) throw new ChatError("invalid_argument", `${field} is required`, { details: { field } });
  if (value.length > maxLength) {
    throw new ChatError("invalid_argument", `${field} is longer than ${maxLength} characters`, { details: { field, limit: maxLength } });
  }
  if (!ID_PATTERN.test(value) || value === "." || value === "..") {
    throw new ChatError("invalid_argument", `${field} has characters outside [A-Za-z0-9_-.:@]`, { details: { field } });
  }
}

export function newChatId(): string {
  return `c_${randomUUID().replaceAll("-", "")}`;
}

export function newConnectionId(): string {
  return `conn_${randomUUID().replaceAll("-", "")}`;
}
