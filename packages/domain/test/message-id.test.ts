import { createHash } from "node:crypto";
import { canonicalMessageEvent, canonicalMessageEventGeneric, computeMessageId, type MessageEventFields } from "../src/messages/message-id";

const base: MessageEventFields = {
  chatId: "c_123",
  seq: 7n,
  senderId: "alice",
  clientMessageId: "m-1",
  body: "hello, wörld 👋",
  contentType: "text/plain",
  createdAtMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
};

describe("canonicalMessageEvent", () => {
  it("is the sorted snake_case JSON with an RFC 3339 UTC millisecond timestamp and seq as a string", () => {
    expect(canonicalMessageEvent(base)).toBe(
      '{"body":"hello, wörld 👋","chat_id":"c_123","client_message_id":"m-1","content_type":"text/plain",' +
        '"created_at":"2024-01-02T03:04:05.678Z","sender_id":"alice","seq":"7"}',
    );
  });

  it.each([
    ["quotes, backslashes and controls", { body: 'a"b\\c\n\u0001\u2028', chatId: 'c"1', clientMessageId: "m\\", senderId: "ü\t", contentType: "" }],
    ["lone surrogates", { body: "x\ud800y\udfff", chatId: "c", clientMessageId: "m", senderId: "s", contentType: "text/plain" }],
    ["empty strings", { body: "", chatId: "", clientMessageId: "", senderId: "", contentType: "" }],
  ])("equals canonicalJson of the same fields with %s", (_, over) => {
    const f = { ...base, ...over, seq: 12345678901234567n };
    expect(canonicalMessageEvent(f)).toBe(canonicalMessageEventGeneric(f));
  });

  it("commits to a seq above 2^53 without losing precision", () => {
    const seq = 2n ** 63n - 1n;
    expect(JSON.parse(canonicalMessageEvent({ ...base, seq })).seq).toBe("9223372036854775807");
  });
});

describe("computeMessageId", () => {
  it("matches an independently computed base64url(SHA-256(canonical JSON)) vector", () => {
    const canonical =
      '{"body":"hello, wörld 👋","chat_id":"c_123","client_message_id":"m-1","content_type":"text/plain",' +
      '"created_at":"2024-01-02T03:04:05.678Z","sender_id":"alice","seq":"7"}';
    const expected = createHash("sha256").update(Buffer.from(canonical, "utf8")).digest("base64url");
    expect(computeMessageId(base)).toBe(expected);
  });

  it("is deterministic", () => {
    expect(computeMessageId({ ...base })).toBe(computeMessageId({ ...base }));
  });

  it("is 43 base64url characters (256 bits, no padding)", () => {
    const id = computeMessageId(base);
    expect(id).toHaveLength(43);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(id, "base64url")).toHaveLength(32);
  });

  it.each<[string, Partial<MessageEventFields>]>([
    ["body", { body: "hello, world 👋" }],
    ["seq", { seq: 8n }],
    ["sender", { senderId: "mallory" }],
    ["created_at", { createdAtMs: base.createdAtMs + 1 }],
    ["chat", { chatId: "c_124" }],
    ["client message id", { clientMessageId: "m-2" }],
    ["content type", { contentType: "text/markdown" }],
  ])("changes when the %s changes", (_field, change) => {
    expect(computeMessageId({ ...base, ...change })).not.toBe(computeMessageId(base));
  });

  it("does not confuse field boundaries (body/client id swap gives another id)", () => {
    const a = computeMessageId({ ...base, body: "x", clientMessageId: "y" });
    const b = computeMessageId({ ...base, body: "y", clientMessageId: "x" });
    expect(a).not.toBe(b);
  });
});
