import { fromBinary, isMessage, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { MessagePersistedSchema, MessageSchema, type Message } from "@chat/proto";

// Events cross the event log as bytes (Kafka needs them). In the all-in-one the consumer runs
// in the producer's process and gets the very same bytes object the producer encoded: it then
// takes the producer's event object instead of decoding the bytes again (ADR 0032). The maps
// are keyed weakly, so an entry lives only as long as the record or message holding it.
//
// Events and messages are never changed after they are encoded: producer, store and consumers
// share the objects.
const encoded = new WeakMap<Uint8Array, object>();
const bytesOf = new WeakMap<object, Uint8Array>();

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

// A message's binary encoding, made once per message object (the stored record and the event
// carrying it share it).
export function encodeMessage(message: Message): Uint8Array {
  let bytes = bytesOf.get(message);
  if (bytes === undefined) {
    bytes = toBinary(MessageSchema, message);
    bytesOf.set(message, bytes);
  }
  return bytes;
}

const MESSAGE_FIELD = MessagePersistedSchema.field.message.number;

// MessagePersisted { message }, written around the message's own encoding (the same bytes as
// toBinary of the event: its only field, length-delimited), remembered like encodeEvent.
export function encodeMessagePersisted(message: Message): Uint8Array {
  const bytes = new BinaryWriter().tag(MESSAGE_FIELD, WireType.LengthDelimited).bytes(encodeMessage(message)).finish();
  encoded.set(bytes, { $typeName: "messaging.v1.MessagePersisted", message });
  return bytes;
}
