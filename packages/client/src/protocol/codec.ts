import { create, fromBinary, fromJsonString, toBinary, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from "@chat/proto";

export type Encoding = "json" | "binary";

export const SUBPROTOCOL: Record<Encoding, string> = { json: "chat.v1.json", binary: "chat.v1.proto" };

export type ClientFrameKind = NonNullable<MessageInitShape<typeof ClientFrameSchema>["kind"]>;

export function clientFrame(kind: ClientFrameKind, requestId = ""): ClientFrame {
  return create(ClientFrameSchema, { requestId, kind });
}

export function encodeClientFrame(frame: ClientFrame, encoding: Encoding): string | Uint8Array {
  return encoding === "binary" ? toBinary(ClientFrameSchema, frame) : toJsonString(ClientFrameSchema, frame);
}

// Unknown fields are ignored so a newer server (more fields, more frame kinds) does not break an
// older client; a frame of an unknown kind decodes with kind.case undefined and is skipped.
export function decodeServerFrame(data: unknown): ServerFrame {
  if (typeof data === "string") return fromJsonString(ServerFrameSchema, data, { ignoreUnknownFields: true });
  const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
  if (!bytes) throw new Error(`unsupported WebSocket payload: ${Object.prototype.toString.call(data)}`);
  return fromBinary(ServerFrameSchema, bytes, { readUnknownFields: false });
}
