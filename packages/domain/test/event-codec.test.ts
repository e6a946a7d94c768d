import { create, toBinary } from "@bufbuild/protobuf";
import { ChatCreatedSchema, MessagePersistedSchema } from "@chat/proto";
import { decodeEvent, encodeEvent } from "../src";

const event = () => create(MessagePersistedSchema, { message: { chatId: "c1", seq: 7n, senderId: "u1", body: "hi" } });

describe("event codec", () => {
  test("bytes encoded in this process decode to the very event they were encoded from", () => {
    const ev = event();
    const bytes = encodeEvent(MessagePersistedSchema, ev);
    expect(bytes).toEqual(toBinary(MessagePersistedSchema, ev));
    expect(decodeEvent(MessagePersistedSchema, bytes)).toBe(ev);
  });

  test("other bytes (from Kafka, from the outbox on disk) are decoded", () => {
    const ev = event();
    const copy = new Uint8Array(encodeEvent(MessagePersistedSchema, ev));
    const decoded = decodeEvent(MessagePersistedSchema, copy);
    expect(decoded).not.toBe(ev);
    expect(decoded.message?.seq).toBe(7n);
    expect(decoded.message?.body).toBe("hi");
  });

  test("a remembered event of another schema is not handed out for these bytes", () => {
    const bytes = encodeEvent(MessagePersistedSchema, event());
    const asOther = decodeEvent(ChatCreatedSchema, bytes);
    expect(asOther.$typeName).toBe("messaging.v1.ChatCreated");
  });

  test("malformed bytes still fail to decode", () => {
    expect(() => decodeEvent(MessagePersistedSchema, new Uint8Array([0x0a, 0xff]))).toThrow();
  });
});
