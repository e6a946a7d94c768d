import { errorOf } from "./support/error-of";
import { DEFAULT_LIMITS } from "../src/limits";
import { DEFAULT_CONTENT_TYPE, validateSend, type SendInput } from "../src/messages/validate-send";

const limits = { maxBodyBytes: 64 * 1024, maxIdLength: 128 };
const ok: SendInput = { chatId: "c_1", clientMessageId: "m-1", body: "hi", contentType: "text/plain" };


describe("validateSend", () => {
  it("uses the ADR-009 default of 64 KiB", () => {
    expect(DEFAULT_LIMITS.maxBodyBytes).toBe(65536);
  });

  it("returns the input unchanged when it is valid", () => {
    expect(validateSend(ok, limits)).toEqual(ok);
  });

  it("rejects an empty body with invalid_argument on field body", () => {
    const e = errorOf(() => validateSend({ ...ok, body: "" }, limits));
    expect(e.code).toBe("invalid_argument");
    expect(e.details).toMatchObject({ field: "body" });
  });

  it("accepts a whitespace-only body (only emptiness is refused)", () => {
    expect(validateSend({ ...ok, body: " " }, limits).body).toBe(" ");
  });

  it("accepts a body of exactly 64 KiB of ASCII", () => {
    expect(() => validateSend({ ...ok, body: "a".repeat(65536) }, limits)).not.toThrow();
  });

  it("rejects 64 KiB + 1 byte with message_too_large, its size and the limit", () => {
    const e = errorOf(() => validateSend({ ...ok, body: "a".repeat(65537) }, limits));
    expect(e.code).toBe("message_too_large");
    expect(e.details).toEqual({ field: "body", limit: 65536, size: 65537 });
  });

  it("counts UTF-8 bytes, not characters: 2-byte characters", () => {
    const exact = "é".repeat(32768); // 32768 chars, 65536 bytes
    expect(exact.length).toBe(32768);
    expect(() => validateSend({ ...ok, body: exact }, limits)).not.toThrow();
    const e = errorOf(() => validateSend({ ...ok, body: exact + "a" }, limits));
    expect(e.code).toBe("message_too_large");
    expect(e.details.size).toBe(65537);
  });

  it("counts UTF-8 bytes, not UTF-16 units: 4-byte emoji", () => {
    const exact = "😀".repeat(16384); // 32768 UTF-16 units, 65536 bytes
    expect(() => validateSend({ ...ok, body: exact }, limits)).not.toThrow();
    // 3-byte character pushes it over although the UTF-16 length is far below 65536.
    const over = "😀".repeat(16383) + "€€";
    expect(over.length).toBeLessThan(65536);
    const e = errorOf(() => validateSend({ ...ok, body: over }, limits));
    expect(e.code).toBe("message_too_large");
    expect(e.details.size).toBe(65532 + 6);
  });

  it("honours a configured limit", () => {
    expect(() => validateSend({ ...ok, body: "abcd" }, { ...limits, maxBodyBytes: 4 })).not.toThrow();
    expect(errorOf(() => validateSend({ ...ok, body: "abcde" }, { ...limits, maxBodyBytes: 4 })).code).toBe("message_too_large");
  });

  it("defaults an empty content type to text/plain", () => {
    expect(DEFAULT_CONTENT_TYPE).toBe("text/plain");
    expect(validateSend({ ...ok, contentType: "" }, limits).contentType).toBe("text/plain");
  });

  it.each(["text/markdown", "application/vnd.e2ee", "application/ld+json", "image/svg+xml", "TEXT/Plain"])("accepts content type %s", (ct) => {
    expect(validateSend({ ...ok, contentType: ct }, limits).contentType).toBe(ct);
  });

  it.each(["text", "text/", "/plain", "text/plain; charset=utf-8", "text plain", "a/b/c", " text/plain", "-x/y"])("rejects content type %j", (ct) => {
    const e = errorOf(() => validateSend({ ...ok, contentType: ct }, limits));
    expect(e.code).toBe("invalid_argument");
    expect(e.details).toEqual({ field: "content_type" });
  });

  it("rejects a content type longer than 100 characters", () => {
    const ct = `application/${"x".repeat(100)}`;
    expect(errorOf(() => validateSend({ ...ok, contentType: ct }, limits)).details).toEqual({ field: "content_type" });
  });

  it("validates chat_id and client_message_id as ids", () => {
    const a = errorOf(() => validateSend({ ...ok, chatId: "" }, limits));
    expect(a.code).toBe("invalid_argument");
    expect(a.details.field).toBe("chat_id");
    const b = errorOf(() => validateSend({ ...ok, clientMessageId: "a/b" }, limits));
    expect(b.details.field).toBe("client_message_id");
    const c = errorOf(() => validateSend({ ...ok, clientMessageId: "x".repeat(129) }, limits));
    expect(c.details).toEqual({ field: "client_message_id", limit: 128 });
  });

  it("checks ids before the body (an invalid chat with an empty body reports chat_id)", () => {
    expect(errorOf(() => validateSend({ ...ok, chatId: "..", body: "" }, limits)).details.field).toBe("chat_id");
  });
});
