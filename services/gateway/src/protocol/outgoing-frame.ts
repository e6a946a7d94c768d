import type { ServerFrame } from "@chat/proto";
import { encodeServerFrame, type Encoding } from "./frame-codec";
import { wsFrame } from "./ws-frame";

// A frame on its way to many connections: encoded at most once per encoding, however many
// sockets it is written to. JSON is kept as its UTF-8 bytes, so the sockets do not each encode
// the string again (ws sends them as a text frame, see ClientConnection.write).
export class OutgoingFrame {
  private json?: Uint8Array;
  private proto?: Uint8Array;
  private jsonWire?: Buffer;
  private protoWire?: Buffer;

  constructor(readonly frame: ServerFrame) {}

  data(encoding: Encoding): Uint8Array {
    if (encoding === "json") return (this.json ??= Buffer.from(encodeServerFrame(this.frame, "json") as string));
    return (this.proto ??= encodeServerFrame(this.frame, "proto") as Uint8Array);
  }

  // The frame as WebSocket bytes (header and payload), built once per encoding.
  wire(encoding: Encoding): Buffer {
    if (encoding === "json") return (this.jsonWire ??= wsFrame(this.data("json"), false));
    return (this.protoWire ??= wsFrame(this.data("proto"), true));
  }
}
