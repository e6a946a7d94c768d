import { fromBinary, isMessage, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
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
    bytes = messageBinary(message) ?? toBinary(MessageSchema, message);
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

// toBinary(MessageSchema, m) written field by field (field number order, zero values left out,
// as toBinary does for proto3): once per stored message, and the reflection cost more than the
// writing. A message carrying unknown fields (decoded from a newer writer's bytes) returns
// undefined and takes toBinary, which keeps them. event-codec.test.ts compares the two.
//
// It writes the fields by number: should the schema gain a field (a proto change without a change
// here), it steps aside for toBinary for good rather than leave the new field out of every
// stored record.
const fieldNumbers = (schema: DescMessage) => schema.fields.map((f) => f.number).sort((a, b) => a - b).join();
const WRITES_EVERY_FIELD = fieldNumbers(MessageSchema) === "1,2,3,4,5,6,7,8" && fieldNumbers(TimestampSchema) === "1,2";

function messageBinary(m: Message): Uint8Array | undefined {
  if (!WRITES_EVERY_FIELD || m.$unknown !== undefined || m.createdAt?.$unknown !== undefined) return undefined;
  const w = new BinaryWriter();
  if (m.chatId !== "") w.tag(1, WireType.LengthDelimited).string(m.chatId);
  if (m.seq !== 0n) w.tag(2, WireType.Varint).uint64(m.seq);
  if (m.messageId !== "") w.tag(3, WireType.LengthDelimited).string(m.messageId);
  if (m.senderId !== "") w.tag(4, WireType.LengthDelimited).string(m.senderId);
  if (m.clientMessageId !== "") w.tag(5, WireType.LengthDelimited).string(m.clientMessageId);
  if (m.body !== "") w.tag(6, WireType.LengthDelimited).string(m.body);
  if (m.contentType !== "") w.tag(7, WireType.LengthDelimited).string(m.contentType);
  if (m.createdAt !== undefined) {
    w.tag(8, WireType.LengthDelimited).fork();
    if (m.createdAt.seconds !== 0n) w.tag(1, WireType.Varint).int64(m.createdAt.seconds);
    if (m.createdAt.nanos !== 0) w.tag(2, WireType.Varint).int32(m.createdAt.nanos);
    w.join();
  }
  return w.finish();
}
