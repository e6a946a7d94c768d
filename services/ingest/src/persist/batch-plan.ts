import { MAX_APPEND_ITEMS } from "@chat/store";

// Pure: which queued sends the next group commit takes (ADR 0029). Sends are looked at in
// arrival order; a chat whose previous commit is still in flight is skipped (its sends keep
// their place), so a chat's sends are committed, and published, in arrival order. The batch
// stops at the first send that does not fit one transaction (items or bytes); that send and
// everything after it wait for the next commit. A send with the idempotency key of one already
// taken rides along with it (it gets the same answer, as a duplicate) and costs nothing.
// `fitsInTime(sends, earliestDeadlineAtMs)` says whether a commit of that many sends is
// expected to end before the earliest deadline among them: on a store whose commits grow with
// their size, a batch never grows past what its most hurried caller can wait for.

export interface PlannedSend {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  // Bytes the send adds to the transaction (its body twice: message and event, plus overhead).
  bytes: number;
  // Epoch ms after which its caller no longer waits.
  deadlineAtMs?: number;
}

export interface BatchBudget {
  // Transaction items (DynamoDB: at most 100).
  maxItems: number;
  // Request size (DynamoDB: 4 MB per transaction).
  maxBytes: number;
}

export const DEFAULT_BUDGET: BatchBudget = { maxItems: MAX_APPEND_ITEMS, maxBytes: 3 * 1024 * 1024 };

export interface BatchPlan<T> {
  // Per chat, in the order of their first send: the sends that get a seq, in arrival order.
  chats: Map<string, T[]>;
  // Sends answered with another send's result: follower -> leader.
  followers: Map<T, T>;
  // Everything taken out of the queue (leaders and followers).
  taken: Set<T>;
  // True when the batch stopped because the next send did not fit.
  full: boolean;
}

// Items per send in the transaction: its message and idempotency record, its one outbox
// entry, plus the chat's counter for a chat's first send and a membership check for a
// sender's first send in the chat.
export function planBatch<T extends PlannedSend>(
  queue: readonly T[],
  busyChats: ReadonlySet<string>,
  budget: BatchBudget = DEFAULT_BUDGET,
  fitsInTime: (sends: number, earliestDeadlineAtMs: number | undefined) => boolean = () => true,
): BatchPlan<T> {
  const chats = new Map<string, T[]>();
  const senders = new Set<string>();
  const keys = new Map<string, T>();
  const followers = new Map<T, T>();
  const taken = new Set<T>();
  let items = 0;
  let bytes = 0;
  let earliest: number | undefined;
  for (const send of queue) {
    if (busyChats.has(send.chatId)) continue;
    const key = `${send.chatId}#${send.senderId}#${send.clientMessageId}`;
    const leader = keys.get(key);
    if (leader) {
      followers.set(send, leader);
      taken.add(send);
      continue;
    }
    const sender = `${send.chatId}#${send.senderId}`;
    const cost = 3 + (chats.has(send.chatId) ? 0 : 1) + (senders.has(sender) ? 0 : 1);
    const deadline = send.deadlineAtMs === undefined ? earliest : Math.min(earliest ?? send.deadlineAtMs, send.deadlineAtMs);
    const leaders = taken.size - followers.size;
    if (items + cost > budget.maxItems || (leaders > 0 && (bytes + send.bytes > budget.maxBytes || !fitsInTime(leaders + 1, deadline)))) {
      return { chats, followers, taken, full: true };
    }
    earliest = deadline;
    items += cost;
    bytes += send.bytes;
    senders.add(sender);
    keys.set(key, send);
    let list = chats.get(send.chatId);
    if (!list) chats.set(send.chatId, (list = []));
    list.push(send);
    taken.add(send);
  }
  return { chats, followers, taken, full: false };
}
