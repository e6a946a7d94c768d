import { create, fromBinary, fromJson, toBinary, toJsonString, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { ChatError, assertDecimalInt64 } from "@chat/domain";
import { ClientFrameSchema, ServerFrameSchema, type ClientFrame, type ServerFrame } from "@chat/proto";
import { frameJson } from "./frame-json";

export const SUBPROTOCOL_JSON = "chat.v1.json";
export const SUBPROTOCOL_PROTO = "chat.v1.proto";

export type Encoding = "json" | "proto";

// Field names a ClientFrame may carry in JSON (both the lowerCamel and the proto name).
const KNOWN_KEYS = new Set(
  ClientFrameSchema.fields.flatMap((f) => [f.jsonName, f.name]),
);

// Decodes one client frame. Errors are ChatErrors with the codes of docs/protocol.md:
// malformed_frame (not JSON / not protobuf), unknown_frame (a kind this server does not know),
// invalid_argument (a known kind with fields of the wrong type).
export function decodeClientFrame(data: Buffer, isBinary: boolean, encoding: Encoding): ClientFrame {
  let frame: ClientFrame;
  if (encoding === "proto") {
    if (!isBinary) throw new ChatError("malformed_frame", "this connection speaks chat.v1.proto: send binary frames");
    try {
      frame = fromBinary(ClientFrameSchema, data);
    } catch {
      throw new ChatError("malformed_frame", "frame is not a valid ClientFrame protobuf");
    }
  } else {
    let obj: unknown;
    try {
      obj = JSON.parse(data.toString("utf8"));
    } catch {
      throw new ChatError("malformed_frame", "frame is not valid JSON");
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new ChatError("malformed_frame", "frame must be a JSON object");
    const fast = plainSendMessage(obj as Record<string, unknown>);
    if (fast) return fast;
    const unknown = Object.keys(obj).filter((k) => !KNOWN_KEYS.has(k));
    if (unknown.length > 0) throw new ChatError("unknown_frame", `unknown frame type or field: ${unknown.slice(0, 3).join(", ")}`);
    // seq, after_seq, ...: decimal only, as on REST and Connect (the runtime would take "0x2").
    assertDecimalInt64(ClientFrameSchema, obj);
    try {
      frame = fromJson(ClientFrameSchema, obj as JsonObject);
    } catch (e) {
      throw new ChatError("invalid_argument", `frame does not match ClientFrame: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (frame.kind.case === undefined) throw new ChatError("unknown_frame", "frame carries no known kind");
  return frame;
}

const SEND_KEYS = new Set(["chatId", "clientMessageId", "body", "contentType"]);

// The frame every send is, `{"requestId":"..","sendMessage":{"chatId":"..",..}}` with only
// lowerCamel keys and string values, built directly: the same ClientFrame fromJson makes, at a
// fraction of its reflection. Anything else (proto names, other kinds, nulls, wrong types,
// strings with surrogates) returns undefined and takes the general path, with its
// errors.
function plainSendMessage(obj: Record<string, unknown>): ClientFrame | undefined {
  let requestId = "";
  let send: Record<string, unknown> | undefined;
  for (const k in obj) {
    const v = obj[k];
    if (k === "requestId" && typeof v === "string") requestId = v;
    else if (k === "sendMessage" && v !== null && typeof v === "object" && !Array.isArray(v)) send = v as Record<string, unknown>;
    else return undefined;
  }
  if (!send || !wellFormed(requestId)) return undefined;
  for (const k in send) {
    const v = send[k];
    if (!SEND_KEYS.has(k) || typeof v !== "string" || !wellFormed(v)) return undefined;
  }
  return {
    $typeName: "messaging.v1.ClientFrame",
    requestId,
    kind: {
      case: "sendMessage",
      value: {
        $typeName: "messaging.v1.ClientSendMessage",
        chatId: (send.chatId as string | undefined) ?? "",
        clientMessageId: (send.clientMessageId as string | undefined) ?? "",
        body: (send.body as string | undefined) ?? "",
        contentType: (send.contentType as string | undefined) ?? "",
      },
    },
  };
}

// Strings without any surrogate are valid UTF-16 at once; the rare others (emoji included) take
// the general path, which refuses lone surrogates.
const SURROGATE = /[\ud800-\udfff]/;
function wellFormed(s: string): boolean {
  return !SURROGATE.test(s);
}

export function encodeServerFrame(frame: ServerFrame, encoding: Encoding): string | Uint8Array {
  return encoding === "proto" ? toBinary(ServerFrameSchema, frame) : (frameJson(frame) ?? toJsonString(ServerFrameSchema, frame));
}

export function serverFrame(kind: NonNullable<MessageInitShape<typeof ServerFrameSchema>["kind"]>, replyTo = ""): ServerFrame {
  return create(ServerFrameSchema, { replyTo, kind });
}

export function errorFrame(e: ChatError, replyTo: string, frameKind: string, extra: { chatId?: string; clientMessageId?: string } = {}): ServerFrame {
  return serverFrame(
    {
      case: "error",
      value: {
        code: e.code,
        message: e.message,
        frame: frameKind,
        retryAfterMs: e.retryAfterMs ?? 0,
        chatId: extra.chatId ?? "",
        clientMessageId: extra.clientMessageId ?? "",
        cause: typeof e.details.cause === "string" ? e.details.cause : "",
      },
    },
    replyTo,
  );
}
