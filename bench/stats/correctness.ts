// The bench's correctness check (issue 7 point 4): every acknowledged message reached every
// online member of its group (or, checked afterwards, is in the store), each member saw a
// group's messages in sequence order, and nothing twice. Pure: the generator feeds it what it
// recorded.

export interface Delivery {
  group: string;
  id: string;
  seq: number;
}

export interface CorrectnessInput {
  // Messages the server acknowledged during the phase.
  acked: Array<{ group: string; id: string }>;
  // Connections online in each group during the phase.
  members: Map<string, string[]>;
  // What each connection received, in arrival order (only messages sent in the phase).
  received: Map<string, Delivery[]>;
}

export interface Missing {
  group: string;
  id: string;
  conn: string;
}

export interface CorrectnessResult {
  deliveries: number;
  duplicates: number;
  outOfOrder: number;
  missing: Missing[];
}

export function checkDeliveries(input: CorrectnessInput): CorrectnessResult {
  let deliveries = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const seen = new Map<string, Set<string>>();
  for (const [conn, list] of input.received) {
    const ids = new Set<string>();
    const lastSeq = new Map<string, number>();
    for (const d of list) {
      deliveries++;
      if (ids.has(d.id)) {
        duplicates++;
        continue;
      }
      ids.add(d.id);
      const last = lastSeq.get(d.group);
      if (last !== undefined && d.seq <= last) outOfOrder++;
      else lastSeq.set(d.group, d.seq);
    }
    seen.set(conn, ids);
  }
  const missing: Missing[] = [];
  for (const { group, id } of input.acked) {
    for (const conn of input.members.get(group) ?? []) {
      if (!seen.get(conn)?.has(id)) missing.push({ group, id, conn });
    }
  }
  return { deliveries, duplicates, outOfOrder, missing };
}
