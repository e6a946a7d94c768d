import type { OutboxEntry } from "@chat/store";

// Pure: how a drained batch goes out. One group per topic (one publish call each, many records
// per request); inside a topic, each key's (chat's) entries in seq order when they carry one,
// else in the order listed (age). Keys keep the order of their first appearance, so the oldest
// chat's events go first.
export function publishPlan(entries: readonly OutboxEntry[]): Array<{ topic: string; entries: OutboxEntry[] }> {
  const byTopic = new Map<string, Map<string, OutboxEntry[]>>();
  for (const e of entries) {
    let byKey = byTopic.get(e.topic);
    if (!byKey) byTopic.set(e.topic, (byKey = new Map<string, OutboxEntry[]>()));
    let list = byKey.get(e.key);
    if (!list) byKey.set(e.key, (list = []));
    list.push(e);
  }
  return [...byTopic].map(([topic, byKey]) => ({ topic, entries: [...byKey.values()].flatMap(bySeq) }));
}

function bySeq(list: OutboxEntry[]): OutboxEntry[] {
  if (!list.every((e) => e.seq !== undefined)) return list;
  return [...list].sort((a, b) => (a.seq! < b.seq! ? -1 : a.seq! > b.seq! ? 1 : 0));
}
