import { ALL_TOPICS, TOPICS } from "@chat/domain";
import type { Config } from "@chat/config";
import { withDeadLetters, type EventLog, type Subscription } from "@chat/eventlog";
import { Counter, Gauge, type Logger, type Registry } from "@chat/observability";
import type { Presence } from "@chat/presence";
import { serviceCredentialClient, type RpcHost } from "@chat/rpc";
import { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import { PoisonEventError } from "./consume/event-frames";
import { createFanoutHandler } from "./consume/fanout-handler";

export interface FanoutDeps {
  store: Store;
  eventLog: EventLog;
  presence: Presence;
  rpc: RpcHost;
  logger: Logger;
  metrics: Registry;
}

export interface RunningFanout {
  subscription: Subscription;
  stop(): Promise<void>;
}

export async function startFanout(config: Config, deps: FanoutDeps): Promise<RunningFanout> {
  await deps.eventLog.ensureTopics(ALL_TOPICS);
  const router = new FrameRouter(deps.presence, deps.rpc.transports, [serviceCredentialClient(config.serviceSecret)]);
  const delivered = new Counter({ name: "fanout_deliveries_total", help: "Frames queued on client connections", labelNames: ["topic"], registers: [deps.metrics] });
  const failed = new Counter({ name: "fanout_delivery_failures_total", help: "Gateway Deliver calls that failed", labelNames: ["topic"], registers: [deps.metrics] });
  const deadLetters = new Counter({ name: "fanout_dead_letters_total", help: "Events diverted to dead_letters", labelNames: ["topic"], registers: [deps.metrics] });
  const handler = createFanoutHandler({ store: deps.store, router, logger: deps.logger, delivered, failed });

  const subscription = await deps.eventLog.subscribe({
    groupId: config.fanout.groupId,
    topics: [TOPICS.messagesPersisted.name, TOPICS.membershipsChanged.name, TOPICS.chatsCreated.name],
    handleBatch: withDeadLetters(deps.eventLog, handler, {
      maxAttempts: 3,
      backoffMs: 100,
      isPoison: (e) => e instanceof PoisonEventError,
      onDeadLetter: (record, err) => {
        deadLetters.inc({ topic: record.topic });
        deps.logger.error({ err, topic: record.topic, partition: record.partition, offset: record.offset }, "event sent to dead_letters");
      },
    }),
  });
  new Gauge({
    name: "fanout_consumer_lag",
    help: "Records not yet processed on this replica's partitions",
    registers: [deps.metrics],
    async collect() {
      this.set(await subscription.lag());
    },
  });
  deps.logger.info({ groupId: config.fanout.groupId }, "fanout consuming");
  return {
    subscription,
    // The subscription finishes its in-flight batch and commits before leaving the group.
    stop: () => subscription.stop(),
  };
}
