import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ServerFrameSchema, type ServerFrame } from "@chat/proto";
import { frameJson } from "../src/protocol/frame-json";

const at = timestampFromMs(Date.UTC(2026, 10, 25, 2, 3, 4, 567));
const full = { chatId: "c1", seq: 9007199254740993n, messageId: "id_x", senderId: "alice", clientMessageId: "m-1", body: 'hé "q" \\ \n \u2028 👋', contentType: "text/plain", createdAt: at };

const frames: Array<[string, ServerFrame]> = [
  ["a full message", create(ServerFrameSchema, { kind: { case: "message", value: full } })],
  ["a message with a replyTo", create(ServerFrameSchema, { replyTo: "r\"1", kind: { case: "message", value: full } })],
  ["an empty message", create(ServerFrameSchema, { kind: { case: "message", value: {} } })],
  ["a message on a whole second", create(ServerFrameSchema, { kind: { case: "message", value: { ...full, createdAt: timestampFromMs(Date.UTC(2026, 0, 1)) } } })],
  ["a message at the epoch", create(ServerFrameSchema, { kind: { case: "message", value: { ...full, createdAt: timestampFromMs(0) } } })],
  ["a full ack", create(ServerFrameSchema, { replyTo: "r1", kind: { case: "messageAck", value: { chatId: "c", clientMessageId: "m", seq: 3n, messageId: "i", createdAt: at, duplicate: true } } })],
  ["an ack with zero values", create(ServerFrameSchema, { kind: { case: "messageAck", value: { chatId: "c", seq: 0n, duplicate: false } } })],
];

describe("frameJson", () => {
  it.each(frames)("writes %s exactly as toJsonString does", (_, frame) => {
    expect(frameJson(frame)).toBe(toJsonString(ServerFrameSchema, frame));
  });

  it.each([
    ["another kind", create(ServerFrameSchema, { kind: { case: "pong", value: { nonce: "n" } } })],
    ["sub-millisecond nanos", create(ServerFrameSchema, { kind: { case: "message", value: { ...full, createdAt: { seconds: 1n, nanos: 1500 } } } })],
    ["a time before 1970", create(ServerFrameSchema, { kind: { case: "messageAck", value: { createdAt: { seconds: -5n, nanos: 0 } } } })],
    ["a time past 9999", create(ServerFrameSchema, { kind: { case: "messageAck", value: { createdAt: { seconds: 253402300800n, nanos: 0 } } } })],
  ])("leaves %s to the general encoder", (_, frame) => {
    expect(frameJson(frame)).toBeUndefined();
  });
});
