import { errorOf } from "./support/error-of";
import { newChatId, newConnectionId, validateId } from "../src/ids";


describe("validateId", () => {
  it("rejects an empty id as required", () => {
    const e = errorOf(() => validateId("chat_id", "", 128));
    expect(e.code).toBe("invalid_argument");
    expect(e.message).toBe("chat_id is required");
    expect(e.details).toEqual({ field: "chat_id" });
  });

  it("accepts exactly maxLength characters and rejects one more", () => {
    expect(() => validateId("chat_id", "a".repeat(128), 128)).not.toThrow();
    const e = errorOf(() => validateId("chat_id", "a".repeat(129), 128));
    expect(e.code).toBe("invalid_argument");
    expect(e.details).toEqual({ field: "chat_id", limit: 128 });
  });

  it.each([".", ".."])("rejects the path segment %j", (id) => {
    expect(errorOf(() => validateId("chat_id", id, 128)).code).toBe("invalid_argument");
  });

  it.each([
    ["slash", "a/b"],
    ["path traversal", "../etc"],
    ["backslash", "a\\b"],
    ["space", "a b"],
    ["leading space", " a"],
    ["tab", "a\tb"],
    ["newline", "a\n"],
    ["NUL", "a\u0000b"],
    ["DEL", "a\u007f"],
    ["emoji", "chat😀"],
    ["non-ASCII letter", "grüße"],
    ["hash", "a#b"],
    ["question mark", "a?b"],
    ["percent", "a%2F"],
    ["asterisk", "a*"],
  ])("rejects an id with a %s", (_what, id) => {
    const e = errorOf(() => validateId("user_id", id, 128));
    expect(e.code).toBe("invalid_argument");
    expect(e.details).toEqual({ field: "user_id" });
  });

  it.each(["abc", "ABC-123", "user_1", "a.b", "urn:chat:1", "alice@example.com", "c_0123456789abcdef", "-", "_", "a..b"])(
    "accepts %j",
    (id) => {
      expect(() => validateId("user_id", id, 128)).not.toThrow();
    },
  );
});

describe("new ids", () => {
  it("generates valid, unique chat and connection ids", () => {
    const a = newChatId();
    const b = newChatId();
    expect(a).toMatch(/^c_[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(() => validateId("chat_id", a, 128)).not.toThrow();
    expect(newConnectionId()).toMatch(/^conn_[0-9a-f]{32}$/);
  });
});
