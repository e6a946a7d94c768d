// One complete WebSocket frame as a server sends it (RFC 6455 §5.2: FIN, no RSV bits, no mask),
// text (JSON) or binary (protobuf). Built once per pushed frame and written as is to every
// socket it goes to: one buffer per socket write instead of ws framing each copy (a header
// buffer, two option objects, two writes). Valid only while ws itself writes nothing that needs
// a frame of ours in between, i.e. without permessage-deflate (the gateway never enables it).
export function wsFrame(payload: Uint8Array, binary: boolean): Buffer {
  const n = payload.byteLength;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x80 | (binary ? 0x2 : 0x1);
  if (head === 2) {
    out[1] = n;
  } else if (head === 4) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  out.set(payload, head);
  return out;
}
