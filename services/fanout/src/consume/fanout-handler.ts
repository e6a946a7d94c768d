import type { EventBatch } from "@chat/eventlog";
import { contextFromHeaders, spanContext, SpanKind, startSpan, traceHeaders, type Counter, type Logger } from "@chat/observability";
import type { FrameRouter } from "@chat/routing";
import type { Store } from "@chat/store";
import { frameForRecord } from "./event-frames";

// Handles one batch of one partition: decode, resolve each chat's members once, and push the
// frames in record order with one Deliver call per gateway. Delivery is best effort (a gateway
// that fails is skipped; its clients resync), so only decoding and store errors fail a batch.
export function createFanoutHandler(deps: { store: Store; router: FrameRouter; logger: Logger; delivered: Counter<"topic">; failed: Counter<"topic"> }) {
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
    let outcome;
    try {
      outcome = await deps.router.route(
        items.map((item, n) => {
          const { traceparent } = traceHeaders(spanContext(spans[n]));
          return { userIds: [...members.get(item.chatId)!, ...item.alsoNotify], frame: item.frame, ...(traceparent ? { traceparent } : {}) };
        }),
      );
    } finally {
      for (const s of spans) s.end();
    }
    deps.delivered.inc({ topic: batch.topic }, outcome.delivered);
    if (outcome.failedGateways.length > 0) {
      deps.failed.inc({ topic: batch.topic }, outcome.failedGateways.length);
      deps.logger.warn({ gateways: outcome.failedGateways, topic: batch.topic, partition: batch.partition }, "delivery to gateways failed; clients recover by sync");
    }
  };
}
