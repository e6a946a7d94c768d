import type { EventBatch } from "@chat/eventlog";
import { contextFromHeaders, spanContext, SpanKind, startSpan, traceHeaders } from "@chat/observability";
import type { Store } from "@chat/store";
import type { DeliveryDispatcher } from "../deliver/dispatcher";
import { frameForRecord } from "./event-frames";

// Handles one batch of one partition: decode, resolve each chat's members once, and hand the
// frames in record order to the gateways' delivery links. Delivery is best effort (a gateway
// that fails or whose breaker is open is skipped; its clients resync) and never awaited, so
// only decoding and store errors fail a batch, and a hung gateway cannot hold the partition.
export function createFanoutHandler(deps: { store: Store; dispatcher: DeliveryDispatcher }) {
  return async (batch: EventBatch): Promise<void> => {
    const items = batch.records.map(frameForRecord);
    const members = new Map<string, string[]>();
    for (const chatId of new Set(items.map((i) => i.chatId))) {
      members.set(chatId, (await deps.store.listMembers(chatId)).map((m) => m.userId));
    }
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
      );
    } finally {
      for (const s of spans) s.end();
    }
  };
}
