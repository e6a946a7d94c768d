import { partitionFor } from "@chat/domain";
import { Kafka, logLevel, type Admin, type Producer, type TopicMessages } from "kafkajs";
import type { EventLog, PublishRecord, SubscribeOptions, Subscription, TopicSpec } from "../port";
import { kafkajsLogCreator, stderrLogger, type EventLogLogger } from "./logging";
import { toKafkaMessage } from "./records";
import { PRODUCE_ACKS, producerConfig } from "./producer-config";
import { kafkaSecurityOptions, PLAINTEXT, type KafkaSecurity } from "./security";
import { BatchingPublisher, DEFAULT_BATCHING, type BatchingOptions } from "./batching-publisher";
import { CLIENT_RETRY, CONSUMER_RETRY, DEFAULT_CONSUMER_TIMING, type ConsumerTiming } from "./settings";
import { subscribeKafka } from "./subscription";

export interface KafkaEventLogOptions {
  brokers: string[];
  clientId: string;
  // Consumer group timing; defaults in settings.ts.
  consumer?: Partial<ConsumerTiming>;
  // TLS and SASL; plaintext when unset.
  security?: KafkaSecurity;
  // Micro-batching of publications (batching-publisher.ts); defaults in DEFAULT_BATCHING.
  batching?: Partial<BatchingOptions>;
  logger?: EventLogLogger;
  observer?: EventLogObserver;
}

// Hooks for the process's metrics, so this package needs no metrics library.
export interface EventLogObserver {
  // One produce request sent to a broker (a publication batch to N brokers is N requests).
  produceRequest(): void;
  recordsPublished(topic: string, count: number): void;
}

const CLOSE_FLUSH_TIMEOUT_MS = 5000;

export function createKafkaEventLog(options: KafkaEventLogOptions): EventLog {
  return new KafkaEventLog(options);
}

// The event log port on Apache Kafka through kafkajs. Connections are opened on first use.
class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  // Consumers get a client of their own: kafkajs applies the client's retry settings to the
  // consumer's broker connections and restarts a crashed consumer after the last backoff, so
  // the long admin backoff would keep a consumer away for up to 30 s after a broker outage.
  private readonly consumerKafka: Kafka;
  private readonly logger: EventLogLogger;
  private admin?: Promise<Admin>;
  private producer?: Promise<Producer>;
  // Partition counts never change after creation (ADR-011: that would move chats between
  // partitions), so they are looked up once per topic.
  private readonly partitionCounts = new Map<string, number>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly publisher: BatchingPublisher;
  private readonly consumerTiming: ConsumerTiming;
  private readonly observer?: EventLogObserver;

  constructor({ brokers, clientId, consumer, security = PLAINTEXT, batching, logger = stderrLogger, observer }: KafkaEventLogOptions) {
    this.logger = logger;
    this.observer = observer;
    this.publisher = new BatchingPublisher((batch) => this.sendBatch(batch), { ...DEFAULT_BATCHING, ...batching });
    // Both clients (producer/admin and consumer) authenticate the same way.
    const securityOptions = kafkaSecurityOptions(security);
    this.consumerTiming = { ...DEFAULT_CONSUMER_TIMING, ...consumer };
    this.kafka = new Kafka({ clientId, brokers, ...securityOptions, retry: CLIENT_RETRY, logLevel: logLevel.INFO, logCreator: kafkajsLogCreator(logger) });
    this.consumerKafka = new Kafka({ clientId, brokers, ...securityOptions, retry: CONSUMER_RETRY, logLevel: logLevel.INFO, logCreator: kafkajsLogCreator(logger) });
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      // Resolves false instead of creating if another process won the race; either is fine.
      // Replication factor is the broker's default.
      await admin.createTopics({ topics: missing.map((s) => ({ topic: s.name, numPartitions: s.partitions })), waitForLeaders: true });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    for (const spec of specs) {
      const actual = topics.find((t) => t.name === spec.name)?.partitions.length;
      if (actual !== spec.partitions) {
        throw new Error(`topic ${spec.name} has ${actual} partitions but ${spec.partitions} are declared; keys would not land where partitionFor says`);
      }
      this.partitionCounts.set(spec.name, actual);
    }
  }

  async publish(topic: string, records: PublishRecord[]): Promise<void> {
    if (records.length === 0) return;
    const partitions = await this.partitionCount(topic);
    // The partition is chosen here, not by the client, so placement is partitionFor's by construction.
    const messages = records.map((r) => toKafkaMessage(r, partitionFor(r.key, partitions)));
    await this.publisher.publish(topic, messages);
    this.observer?.recordsPublished(topic, records.length);
  }

  // The publisher's one request at a time (batching-publisher.ts).
  private async sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    const producer = this.getProducer();
    try {
      await (await producer).sendBatch({ topicMessages, acks: PRODUCE_ACKS });
    } catch (err) {
      this.discardProducer(producer, err);
      throw err;
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const subscription = await subscribeKafka(this.consumerKafka, () => this.getAdmin(), options, this.consumerTiming, this.logger);
    const tracked: Subscription = {
      ...subscription,
      stop: async () => {
        await subscription.stop();
        this.subscriptions.delete(tracked);
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }

  async ping(): Promise<void> {
    // A metadata request: answered by any live broker.
    await (await this.getAdmin()).listTopics();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    // Publications still lingering go out now rather than failing with the producer's
    // disconnect; bounded, since with the broker down a request retries for about a minute
    // (whatever fails stays in its caller's outbox).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.publisher.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_FLUSH_TIMEOUT_MS)))]);
    clearTimeout(timer);
    const clients = [this.producer, this.admin].filter((c) => c !== undefined);
    this.producer = undefined;
    this.admin = undefined;
    await Promise.all(
      clients.map((client) =>
        client
          .then((c) => c.disconnect())
          .catch((err: unknown) => this.logger.warn({ err }, "disconnecting a Kafka client failed")),
      ),
    );
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const { topics } = await (await this.getAdmin()).fetchTopicMetadata({ topics: [topic] });
    const count = topics.find((t) => t.name === topic)?.partitions.length;
    if (!count) throw new Error(`topic ${topic} does not exist (call ensureTopics first)`);
    this.partitionCounts.set(topic, count);
    return count;
  }

  private getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const connected = admin.connect().then(() => admin);
      // A failed connect is reported to the caller; the next call tries again.
      connected.catch(() => {
        if (this.admin === connected) this.admin = undefined;
      });
      this.admin = connected;
    }
    return this.admin;
  }

  private getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer(producerConfig());
      // kafkajs' instrumentation event: one per request on the wire, so a batch spread over
      // several brokers counts each request (what the broker load is made of).
      const observer = this.observer;
      if (observer) {
        producer.on(producer.events.REQUEST, ({ payload }) => {
          if (payload.apiName === "Produce") observer.produceRequest();
        });
      }
      this.producer = producer.connect().then(() => producer);
    }
    return this.producer;
  }

  // After a failed send the idempotent producer's sequence numbers may be out of step with the
  // broker (a batch can be written although we saw an error), and reusing it could get the next
  // batch dropped as a duplicate or rejected as out of order. A new producer gets a new id.
  private discardProducer(producer: Promise<Producer>, err: unknown): void {
    // Once per producer: a second disconnect of the same producer only piles up listeners.
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.logger.warn({ err }, "Kafka publish failed; replacing the producer");
    producer
      .then((p) => p.disconnect())
      .catch((disconnectErr: unknown) => this.logger.warn({ err: disconnectErr }, "disconnecting a failed Kafka producer failed"));
  }
}
