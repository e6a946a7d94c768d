import { ClientFrameSchema, GetMessageHistoryRequestSchema } from "@chat/proto";
import { assertDecimalInt64, isDecimalInt64Json } from "../src/json/decimal-int64";
import { errorOf } from "./support/error-of";

describe("64-bit integers in proto JSON are decimal only", () => {
  it.each(["0", "2", "18446744073709551615", "-3", 0, 2, 9007199254740991])("accepts %j", (v) => {
    expect(isDecimalInt64Json(v)).toBe(true);
  });

  it.each(["0x2", "0X2", "0b10", "0o7", " 2", "2 ", "+2", "2.0", "1e3", "", "-", "２", 2.5, true, null, {}])("refuses %j", (v) => {
    expect(isDecimalInt64Json(v)).toBe(false);
  });

  it("names the field of a top-level request", () => {
    const e = errorOf(() => assertDecimalInt64(GetMessageHistoryRequestSchema, { chatId: "c", afterSeq: "0x2" }));
    expect(e.code).toBe("invalid_argument");
    expect(e.details).toEqual({ field: "after_seq" });
  });

  it("finds it inside a oneof message (a WebSocket frame), by JSON or proto name", () => {
    expect(errorOf(() => assertDecimalInt64(ClientFrameSchema, { sync: { chatId: "c", afterSeq: "0b1" } })).details).toEqual({ field: "sync.after_seq" });
    expect(errorOf(() => assertDecimalInt64(ClientFrameSchema, { read: { chat_id: "c", seq: "0x10" } })).details).toEqual({ field: "read.seq" });
  });

  it("leaves valid input, unknown fields and wrong shapes to the proto JSON parser", () => {
    expect(() => assertDecimalInt64(ClientFrameSchema, { sync: { chatId: "c", afterSeq: "12" }, nope: "0x2" })).not.toThrow();
    expect(() => assertDecimalInt64(ClientFrameSchema, { sync: "not an object" })).not.toThrow();
    expect(() => assertDecimalInt64(GetMessageHistoryRequestSchema, [])).not.toThrow();
  });
});
