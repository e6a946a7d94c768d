import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ChatCreatedSchema, MessagePersistedSchema, MessageSchema } from "@chat/proto";
import { decodeEvent, encodeEvent, encodeMessage, encodeMessagePersisted } from "../src";

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

describe("one encoding of a message for its record and its event", () => {
  const message = () =>
    create(MessageSchema, { chatId: "c1", seq: 300n, messageId: "m".repeat(64), senderId: "u1", clientMessageId: "k1", body: "héllo ✓ ".repeat(40), contentType: "text/plain", createdAt: timestampFromMs(1_700_000_000_123) });

  test("encodeMessage is toBinary, made once per message object", () => {
    const m = message();
    const bytes = encodeMessage(m);
    expect(bytes).toEqual(toBinary(MessageSchema, m));
    expect(encodeMessage(m)).toBe(bytes);
  });

  test("encodeMessagePersisted gives toBinary's bytes of the event, and the event back in this process", () => {
    for (const m of [message(), create(MessageSchema, { chatId: "c", seq: 1n }), create(MessageSchema, {})]) {
      const bytes = encodeMessagePersisted(m);
      expect(bytes).toEqual(toBinary(MessagePersistedSchema, create(MessagePersistedSchema, { message: m })));
      expect(decodeEvent(MessagePersistedSchema, bytes).message).toBe(m);
      expect(decodeEvent(MessagePersistedSchema, new Uint8Array(bytes)).message).toEqual(m);
    }
  });

  test.each([
    ["a full message", { chatId: "c1", seq: 2n ** 64n - 1n, messageId: "id", senderId: "u1", clientMessageId: "m-1", body: "hé 👋 \u0000", contentType: "text/plain", createdAt: timestampFromMs(Date.UTC(2026, 10, 25, 1, 2, 3, 456)) }],
    ["zero values", { chatId: "", seq: 0n, body: "" }],
    ["a timestamp at the epoch", { chatId: "c", seq: 1n, createdAt: timestampFromMs(0) }],
    ["a timestamp before 1970", { chatId: "c", seq: 1n, createdAt: { seconds: -5n, nanos: 7 } }],
  ])("encodes %s exactly as toBinary does", (_, init) => {
    const m = create(MessageSchema, init);
    expect(Buffer.from(encodeMessage(m)).equals(Buffer.from(toBinary(MessageSchema, m)))).toBe(true);
  });

  test("a message with unknown fields keeps them (toBinary)", () => {
    const m = create(MessageSchema, { chatId: "c", seq: 1n });
    m.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([5]) }];
    expect(Buffer.from(encodeMessage(m)).equals(Buffer.from(toBinary(MessageSchema, m)))).toBe(true);
  });
});
