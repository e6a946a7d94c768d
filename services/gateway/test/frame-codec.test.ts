import { create, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatError } from "@chat/domain";
import { ClientFrameSchema, ServerFrameSchema } from "@chat/proto";
import { decodeClientFrame, encodeServerFrame, errorFrame, serverFrame } from "../src/protocol/frame-codec";

const text = (s: string) => Buffer.from(s, "utf8");

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChatError);
    return (e as ChatError).code;
  }
  throw new Error("expected a ChatError");
}

describe("decodeClientFrame (JSON)", () => {
  it("decodes a camelCase send_message", () => {
    const f = decodeClientFrame(
      text('{"requestId":"r1","sendMessage":{"chatId":"c1","clientMessageId":"m1","body":"hi","contentType":"text/markdown"}}'),
      false,
      "json",
    );
    expect(f.requestId).toBe("r1");
    expect(f.kind.case).toBe("sendMessage");
    if (f.kind.case !== "sendMessage") throw new Error("unreachable");
    expect(f.kind.value).toMatchObject({ chatId: "c1", clientMessageId: "m1", body: "hi", contentType: "text/markdown" });
  });

  it("decodes the same frame written with snake_case proto names", () => {
    const f = decodeClientFrame(text('{"request_id":"r2","send_message":{"chat_id":"c1","client_message_id":"m1","body":"hi"}}'), false, "json");
    expect(f.requestId).toBe("r2");
    if (f.kind.case !== "sendMessage") throw new Error(`got ${f.kind.case}`);
    expect(f.kind.value).toMatchObject({ chatId: "c1", clientMessageId: "m1", body: "hi", contentType: "" });
  });

  // The sendMessage fast path must build exactly what fromJson builds, and leave everything
  // else to it.
  it.each([
    '{"requestId":"r1","sendMessage":{"chatId":"c1","clientMessageId":"m1","body":"hi","contentType":"text/markdown"}}',
    '{"sendMessage":{"chatId":"c1","clientMessageId":"m1","body":"hi"}}',
    '{"sendMessage":{}}',
    '{"requestId":"r","sendMessage":{"body":"wörld \\"q\\" \\n","chatId":"c","clientMessageId":"m"}}',
    '{"requestId":"r","sendMessage":{"body":"emoji 👋","chatId":"c","clientMessageId":"m"}}',
    '{"requestId":"r","sendMessage":{"chatId":"c","client_message_id":"m","body":"x"}}',
    '{"request_id":"r","sendMessage":{"chatId":"c","clientMessageId":"m","body":"x"}}',
  ])("decodes %s exactly as fromJson does", (json) => {
    expect(decodeClientFrame(text(json), false, "json")).toEqual(fromJson(ClientFrameSchema, JSON.parse(json)));
  });

  it.each([
    ['{"requestId":"r","sendMessage":{"chatId":"c","clientMessageId":"m","body":7}}', "invalid_argument"],
    ['{"requestId":"r","sendMessage":{"chatId":"c","clientMessageId":"m","body":null,"extra":"x"}}', "invalid_argument"],
    ['{"requestId":"r","sendMessage":{"chatId":"c","clientMessageId":"m","body":"\\ud800"}}', "invalid_argument"],
    ['{"requestId":5,"sendMessage":{"chatId":"c","clientMessageId":"m","body":"x"}}', "invalid_argument"],
    ['{"requestId":"r","sendMessage":"x"}', "invalid_argument"],
    ['{"requestId":"r","sendMessage":{"chatId":"c"},"ping":{}}', "invalid_argument"],
  ])("refuses %s with %s (through the general path)", (json, code) => {
    expect(codeOf(() => decodeClientFrame(text(json), false, "json"))).toBe(code);
  });

  it("decodes uint64 seqs given as strings or numbers to bigint", () => {
    const a = decodeClientFrame(text('{"ack":{"chatId":"c","seq":"9007199254740993"}}'), false, "json");
    if (a.kind.case !== "ack") throw new Error(`got ${a.kind.case}`);
    expect(a.kind.value.seq).toBe(9007199254740993n);
    const r = decodeClientFrame(text('{"read":{"chatId":"c","seq":12}}'), false, "json");
    if (r.kind.case !== "read") throw new Error(`got ${r.kind.case}`);
    expect(r.kind.value.seq).toBe(12n);
  });

  it.each([
    ['{"auth":{"accessToken":"t"}}', "auth"],
    ['{"sync":{"chatId":"c","afterSeq":"3","limit":10}}', "sync"],
    ['{"typing":{"chatId":"c","active":true}}', "typing"],
    ['{"ping":{}}', "ping"],
    ['{"ping":{"nonce":"n"}}', "ping"],
  ])("decodes %s", (json, kind) => {
    expect(decodeClientFrame(text(json), false, "json").kind.case).toBe(kind);
  });

  it.each(["{bad", "", "{\"a\":", "\u0000"])("rejects non-JSON %j as malformed_frame", (s) => {
    expect(codeOf(() => decodeClientFrame(text(s), false, "json"))).toBe("malformed_frame");
  });

  it.each(["[]", '[{"ping":{}}]', "null", '"ping"', "42", "true"])("rejects the non-object %s as malformed_frame", (s) => {
    expect(codeOf(() => decodeClientFrame(text(s), false, "json"))).toBe("malformed_frame");
  });

  it("rejects an unknown top-level key as unknown_frame, naming it", () => {
    try {
      decodeClientFrame(text('{"requestId":"r","subscribe":{"chatId":"c"}}'), false, "json");
      throw new Error("no error");
    } catch (e) {
      expect((e as ChatError).code).toBe("unknown_frame");
      expect((e as ChatError).message).toContain("subscribe");
    }
  });

  it("rejects a frame without a kind as unknown_frame", () => {
    expect(codeOf(() => decodeClientFrame(text('{"requestId":"r"}'), false, "json"))).toBe("unknown_frame");
    expect(codeOf(() => decodeClientFrame(text("{}"), false, "json"))).toBe("unknown_frame");
  });

  it.each([
    ['{"sendMessage":{"chatId":5}}', "number for a string"],
    ['{"ack":{"chatId":"c","seq":"abc"}}', "non-numeric uint64"],
    ['{"ack":{"chatId":"c","seq":"-1"}}', "negative uint64"],
    ['{"typing":{"chatId":"c","active":"yes"}}', "string for a bool"],
    ['{"sendMessage":"hi"}', "string for a message"],
    ['{"sendMessage":{"chatId":"c","extra":1}}', "unknown nested field"],
    ['{"ping":{},"ack":{"chatId":"c"}}', "two kinds at once"],
    ['{"requestId":7,"ping":{}}', "number for request_id"],
  ])("rejects %s (%s) as invalid_argument", (json) => {
    expect(codeOf(() => decodeClientFrame(text(json), false, "json"))).toBe("invalid_argument");
  });

  it("decodes a JSON frame that arrived as a binary WebSocket frame on a JSON connection", () => {
    expect(decodeClientFrame(text('{"ping":{"nonce":"x"}}'), true, "json").kind.case).toBe("ping");
  });
});

describe("decodeClientFrame (proto)", () => {
  it("round-trips a binary frame", () => {
    const sent = create(ClientFrameSchema, {
      requestId: "r9",
      kind: { case: "sendMessage", value: { chatId: "c1", clientMessageId: "m1", body: "héllo 😀", contentType: "text/plain" } },
    });
    const got = decodeClientFrame(Buffer.from(toBinary(ClientFrameSchema, sent)), true, "proto");
    expect(got).toEqual(sent);
  });

  it("round-trips an ack with a large seq", () => {
    const sent = create(ClientFrameSchema, { kind: { case: "ack", value: { chatId: "c", seq: 2n ** 63n } } });
    const got = decodeClientFrame(Buffer.from(toBinary(ClientFrameSchema, sent)), true, "proto");
    if (got.kind.case !== "ack") throw new Error(`got ${got.kind.case}`);
    expect(got.kind.value.seq).toBe(2n ** 63n);
  });

  it("rejects a text frame on a proto connection as malformed_frame", () => {
    expect(codeOf(() => decodeClientFrame(text('{"ping":{}}'), false, "proto"))).toBe("malformed_frame");
  });

  it("rejects bytes that are not protobuf as malformed_frame", () => {
    expect(codeOf(() => decodeClientFrame(Buffer.from([0xff, 0xff, 0xff, 0xff]), true, "proto"))).toBe("malformed_frame");
  });

  it("rejects an empty protobuf frame (no kind) as unknown_frame", () => {
    expect(codeOf(() => decodeClientFrame(Buffer.alloc(0), true, "proto"))).toBe("unknown_frame");
  });
});

describe("encodeServerFrame", () => {
  it("writes canonical protobuf JSON: camelCase names, uint64 as a string, defaults omitted", () => {
    const frame = serverFrame(
      { case: "messageAck", value: { chatId: "c1", clientMessageId: "m1", seq: 5n, messageId: "abc", createdAt: timestampFromMs(Date.UTC(2024, 0, 1)) } },
      "r1",
    );
    const json = encodeServerFrame(frame, "json");
    expect(typeof json).toBe("string");
    expect(JSON.parse(json as string)).toEqual({
      replyTo: "r1",
      messageAck: { chatId: "c1", clientMessageId: "m1", seq: "5", messageId: "abc", createdAt: "2024-01-01T00:00:00Z" },
    });
  });

  it("omits an empty reply_to", () => {
    const json = encodeServerFrame(serverFrame({ case: "pong", value: { nonce: "n" } }), "json");
    expect(JSON.parse(json as string)).toEqual({ pong: { nonce: "n" } });
  });

  it("keeps seqs above 2^53 exact in JSON", () => {
    const json = encodeServerFrame(serverFrame({ case: "message", value: { chatId: "c", seq: 2n ** 60n + 1n } }), "json") as string;
    expect(JSON.parse(json).message.seq).toBe("1152921504606846977");
  });

  it("writes protobuf bytes for a proto connection that decode to the same frame", () => {
    const frame = serverFrame({ case: "receipt", value: { chatId: "c", userId: "u", deliveredSeq: 3n, readSeq: 2n } }, "r");
    const bytes = encodeServerFrame(frame, "proto");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(fromBinary(ServerFrameSchema, bytes as Uint8Array)).toEqual(frame);
  });

  it("errorFrame carries code, message, the failing frame kind and retry-after", () => {
    const e = new ChatError("rate_limited", "slow down", { retryAfterMs: 250 });
    const json = JSON.parse(encodeServerFrame(errorFrame(e, "r5", "send_message", { chatId: "c1", clientMessageId: "m1" }), "json") as string);
    expect(json).toEqual({
      replyTo: "r5",
      error: { code: "rate_limited", message: "slow down", frame: "send_message", retryAfterMs: 250, chatId: "c1", clientMessageId: "m1" },
    });
  });
});
