import { fromBinary, isMessage, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

// Events cross the event log as bytes (Kafka needs them). In the all-in-one the consumer runs
// in the producer's process and gets the very same bytes object the producer encoded: it then
// takes the producer's event object instead of decoding the bytes again (ADR 0032). The map is
// keyed weakly by the bytes, so an entry lives only as long as the record holding them.
//
// Events are never changed after they are encoded: producer and consumers share the object.
const encoded = new WeakMap<Uint8Array, object>();

export function encodeEvent<Desc extends DescMessage>(schema: Desc, event: MessageShape<Desc>): Uint8Array {
  const bytes = toBinary(schema, event);
  encoded.set(bytes, event);
  return bytes;
}

// The event the bytes were encoded from in this process, else the bytes decoded.
export function decodeEvent<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  const event = encoded.get(bytes);
  if (event !== undefined && isMessage(event, schema)) return event;
  return fromBinary(schema, bytes);
}
