import type { Timestamp } from "@bufbuild/protobuf/wkt";

// timestampFromMs without create()'s reflection (the same message: proto3 objects are plain
// objects with their $typeName); one is built for every stored message.
export function timestampAtMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { $typeName: "google.protobuf.Timestamp", seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}
