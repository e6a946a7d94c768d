import { TOPICS } from "@chat/domain";
import type { EventBatch, EventRecord } from "@chat/eventlog";
import { contextFromHeaders, spanContext, SpanKind, startSpan, traceHeaders } from "@chat/observability";
import type { ConnectionRoute } from "@chat/presence";
import type { DeliveryDispatcher } from "../deliver/dispatcher";
import type { ChatAudience } from "./chat-audience";
import { frameForRecord } from "./event-frames";

// Handles one batch of one partition: decode, resolve each chat's online members once, and hand the
// frames in record order to the gateways' delivery links. Delivery is best effort (a gateway
// that fails or whose breaker is open is skipped; its clients resync) and never awaited, so
// only decoding and store errors fail a batch, and a hung gateway cannot hold the partition.
export interface MembershipEventSink {
  applyRecords(records: readonly EventRecord[]): void;
}

const MEMBERSHIP_TOPICS = new Set<string>([TOPICS.membershipsChanged.name, TOPICS.chatsCreated.name]);

export function createFanoutHandler(deps: { audience: ChatAudience; dispatcher: DeliveryDispatcher; membershipEvents?: MembershipEventSink }) {
  return async (batch: EventBatch): Promise<void> => {
    const items = batch.records.map(frameForRecord);
    // The store's member reads may come from a cache: a membership change seen here drops its
    // entries before they are read, so the membership frame already reaches an added member
    // and no longer a removed one, without waiting for the cache's own invalidation consumer.
    if (MEMBERSHIP_TOPICS.has(batch.topic)) deps.membershipEvents?.applyRecords(batch.records);
    const chatIds = [...new Set(items.map((i) => i.chatId))];
    // Concurrently: the misses of one batch cost one store round trip, not one per chat.
    const online = await Promise.all(chatIds.map((chatId) => deps.audience(chatId)));
    const members = new Map(chatIds.map((chatId, n) => [chatId, [...online[n].keys()]]));
    const routes = new Map<string, ConnectionRoute[]>();
    for (const chat of online) for (const [userId, r] of chat) routes.set(userId, r);
    // One consumer span per record, a child of the trace its headers carry (the publish span);
    // its context goes to the gateways with the Deliver call.
    const spans = batch.records.map((r) =>
      startSpan("fanout", `consume ${batch.topic}`, { kind: SpanKind.CONSUMER, parent: contextFromHeaders(r.headers), attributes: { "messaging.kafka.partition": batch.partition } }),
    );
    try {
      await deps.dispatcher.dispatch(
        items.map((item, n) => {
          const { traceparent } = traceHeaders(spanContext(spans[n]));
          return { userIds: [...members.get(item.chatId)!, ...item.alsoNotify], frame: item.frame, ...(traceparent ? { traceparent } : {}) };
        }),
        routes,
      );
    } finally {
      for (const s of spans) s.end();
    }
  };
}
