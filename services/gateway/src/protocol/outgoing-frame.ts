import type { ServerFrame } from "@chat/proto";
import { encodeServerFrame, type Encoding } from "./frame-codec";

// A frame on its way to many connections: encoded at most once per encoding, however many
// sockets it is written to.
export class OutgoingFrame {
  private json?: string | Uint8Array;
  private proto?: string | Uint8Array;

  constructor(readonly frame: ServerFrame) {}

  data(encoding: Encoding): string | Uint8Array {
    if (encoding === "json") return (this.json ??= encodeServerFrame(this.frame, "json"));
    return (this.proto ??= encodeServerFrame(this.frame, "proto"));
  }
}
