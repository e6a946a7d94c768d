import { create, ScalarType, toJsonString, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { MessageSchema, ServerFrameSchema, ServerMessageAckSchema } from "@chat/proto";
import { frameJson } from "../src/protocol/frame-json";

// frame-json.ts writes the message and messageAck frames field by field. A field added to the
// proto later must not vanish silently from those frames: these cases set EVERY field the
// schema has today, so a new one shows up as a difference from toJsonString (or as an
// unsupported kind below) until the writer learns it.
const at = timestampFromMs(Date.UTC(2026, 10, 25, 3, 4, 5, 678));

function sample(schema: DescMessage): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const f of schema.fields) {
    if (f.fieldKind === "scalar" && f.scalar === ScalarType.STRING) init[f.localName] = `${f.name}-v`;
    else if (f.fieldKind === "scalar" && (f.scalar === ScalarType.UINT64 || f.scalar === ScalarType.INT64)) init[f.localName] = 42n;
    else if (f.fieldKind === "scalar" && (f.scalar === ScalarType.UINT32 || f.scalar === ScalarType.INT32)) init[f.localName] = 7;
    else if (f.fieldKind === "scalar" && f.scalar === ScalarType.BOOL) init[f.localName] = true;
    else if (f.fieldKind === "message" && f.message.typeName === "google.protobuf.Timestamp") init[f.localName] = at;
    else if (f.fieldKind === "enum") init[f.localName] = f.enum.values[f.enum.values.length - 1].number;
    else throw new Error(`${schema.typeName}.${f.name}: no sample for this field kind; extend this test and check frame-json.ts writes it`);
  }
  return init;
}

describe("frameJson covers every field of the frames it writes", () => {
  test.each([
    ["message", MessageSchema],
    ["messageAck", ServerMessageAckSchema],
  ] as const)("%s with every field set is written as toJsonString writes it", (kind, schema) => {
    const frame = create(ServerFrameSchema, { replyTo: "r-1", kind: { case: kind, value: sample(schema) } });
    expect(frameJson(frame)).toBe(toJsonString(ServerFrameSchema, frame));
  });

  test("the frame envelope has only the fields the writer knows (replyTo and the kind oneof)", () => {
    const plain = ServerFrameSchema.fields.filter((f) => f.oneof === undefined).map((f) => f.localName);
    expect(plain).toEqual(["replyTo"]);
  });
});
