import { readFileSync } from "node:fs";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { partitionFor } from "@chat/domain";

// The Kafka adapter passes partitionFor's result explicitly, so placement never depends on the
// client; this checks that kafkajs' own DefaultPartitioner would place keys identically anyway
// (a producer without an explicit partition, or a misconfigured one, cannot split a chat).
interface PartitionVectors {
  vectors: { key: string; partitions: Record<string, number> }[];
}
const file: PartitionVectors = JSON.parse(
  readFileSync(new URL("../../domain/test/partition-vectors.json", import.meta.url), "utf8"),
);

function metadata(n: number): PartitionMetadata[] {
  return Array.from({ length: n }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] }));
}

describe("kafkajs DefaultPartitioner agrees with the Java client vectors", () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const cases = file.vectors.flatMap((v) => Object.entries(v.partitions).map(([n, partition]) => ({ key: v.key, n: Number(n), partition })));

  it.each(cases.map((c) => [JSON.stringify(c.key).slice(0, 40), c.n, c] as const))("key %s, %i partitions", (_, n, c) => {
    const placed = partitioner({ topic: "t", partitionMetadata: metadata(n), message: { key: c.key, value: null } });
    expect(placed).toBe(c.partition);
    expect(partitionFor(c.key, n)).toBe(placed);
  });
});
