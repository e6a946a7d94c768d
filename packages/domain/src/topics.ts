// Kafka topic layout (ADR-011). Key of every topic is the chat id, except dead_letters
// which keeps the original key.
export const TOPICS = {
  messagesPersisted: { name: "messages.persisted", partitions: 64 },
  membershipsChanged: { name: "memberships.changed", partitions: 16 },
  chatsCreated: { name: "chats.created", partitions: 16 },
  deadLetters: { name: "dead_letters", partitions: 8 },
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS]["name"];

export const ALL_TOPICS = Object.values(TOPICS);

export function partitionCountOf(topic: string): number {
  const spec = ALL_TOPICS.find((t) => t.name === topic);
  if (!spec) throw new Error(`unknown topic ${topic}`);
  return spec.partitions;
}

// Kafka headers that carry provenance of a dead letter.
export const DEAD_LETTER_HEADERS = {
  sourceTopic: "x-source-topic",
  sourcePartition: "x-source-partition",
  sourceOffset: "x-source-offset",
  error: "x-error",
  attempts: "x-attempts",
} as const;
