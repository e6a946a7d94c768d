import { murmur2 } from "./murmur2";

const utf8 = new TextEncoder();

// The one function from chat id to partition (ADR-011): the Java client's default partitioner
// for a non-null key, toPositive(murmur2(utf8(key))) % partitions.
export function partitionFor(chatId: string, partitions: number): number {
  return (murmur2(utf8.encode(chatId)) & 0x7fffffff) % partitions;
}
