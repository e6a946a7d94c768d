import { ALL_TOPICS, TOPICS } from "@chat/domain";
import type { Config } from "@chat/config";
import { withDeadLetters, type EventLog, type Subscription } from "@chat/eventlog";
import { Counter, registerDependencyGauge, type Logger, type Registry } from "@chat/observability";
import type { Presence } from "@chat/presence";
import { GatewayDeliveryService } from "@chat/proto";
import type { RpcHost } from "@chat/rpc";
import type { Store } from "@chat/store";
import { PoisonEventError } from "./consume/event-frames";
import { chatAudience, type MemberIds } from "./consume/chat-audience";
import { createFanoutHandler, type MembershipEventSink } from "./consume/fanout-handler";
import { deliverCall } from "./deliver/deliver-call";
import { DeliveryDispatcher } from "./deliver/dispatcher";
import { linkObserver } from "./deliver/metrics";

const LAG_READ_TIMEOUT_MS = 2000;

export interface FanoutDeps {
  store: Store;
  eventLog: EventLog;
  presence: Presence;
  rpc: RpcHost;
  logger: Logger;
  metrics: Registry;
  // The membership cache behind `store`, told about the membership events of each batch.
  membershipEvents?: MembershipEventSink;
  // A chat's members by user id from that cache (see chatAudience).
  memberIds?: MemberIds;
}

export interface RunningFanout {
  subscription: Subscription;
  dispatcher: DeliveryDispatcher;
  stop(): Promise<void>;
}

export async function startFanout(config: Config, deps: FanoutDeps): Promise<RunningFanout> {
  await deps.eventLog.ensureTopics(ALL_TOPICS);
  const { deliverTimeoutMs, breakerFailures, breakerCooldownMs, gatewayQueueMax, deliverBatch } = config.fanout;
  const dispatcher = new DeliveryDispatcher(
    deps.presence,
    deliverCall(deps.presence, (address) => deps.rpc.api(GatewayDeliveryService, address), deliverTimeoutMs),
    linkObserver(deps.metrics, deps.logger),
    { failureThreshold: breakerFailures, cooldownMs: breakerCooldownMs, maxQueued: gatewayQueueMax, maxPerCall: deliverBatch },
  );
  const deadLetters = new Counter({ name: "fanout_dead_letters_total", help: "Events diverted to dead_letters", labelNames: ["topic"], registers: [deps.metrics] });
  const handler = createFanoutHandler({ audience: chatAudience({ store: deps.store, presence: deps.presence, ...(deps.memberIds ? { memberIds: deps.memberIds } : {}) }), dispatcher, ...(deps.membershipEvents ? { membershipEvents: deps.membershipEvents } : {}) });

  const subscription = await deps.eventLog.subscribe({
    groupId: config.fanout.groupId,
    topics: [TOPICS.messagesPersisted.name, TOPICS.membershipsChanged.name, TOPICS.chatsCreated.name],
    handleBatch: withDeadLetters(deps.eventLog, handler, {
      maxAttempts: config.fanout.deadLetterAttempts,
      backoffMs: config.fanout.retryBackoffMs,
      isPoison: (e) => e instanceof PoisonEventError,
      onDeadLetter: (record, err) => {
        deadLetters.inc({ topic: record.topic });
        deps.logger.error({ err, topic: record.topic, partition: record.partition, offset: record.offset }, "event sent to dead_letters");
      },
    }),
  });
  // Reading lag asks Kafka: bounded and error-swallowing, so a scrape during a Kafka outage
  // answers (with fanout_consumer_lag_up 0) instead of rejecting and killing the process.
  registerDependencyGauge({
    registry: deps.metrics,
    name: "fanout_consumer_lag",
    help: "Records not yet processed on this replica's partitions",
    timeoutMs: LAG_READ_TIMEOUT_MS,
    read: () => subscription.lag(),
  });
  deps.logger.info({ groupId: config.fanout.groupId }, "fanout consuming");
  return {
    subscription,
    dispatcher,
    async stop() {
      // The subscription finishes its in-flight batch and commits before leaving the group;
      // then the pushes handed over so far go out (each bounded by the Deliver deadline), so
      // nothing committed is left unpushed.
      await subscription.stop();
      await dispatcher.flush();
    },
  };
}
