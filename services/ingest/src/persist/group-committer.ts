import { ChatError, Lru } from "@chat/domain";
import type { Message } from "@chat/proto";
import { contextFromHeaders, inSpan, type Logger } from "@chat/observability";
import type { AppendConflict, ChatAppend, IdempotencyRecord, OutboxEntry, Store } from "@chat/store";
import { DEFAULT_BUDGET, planBatch, type BatchBudget } from "./batch-plan";
import { buildMessage, type SendInput } from "./build-message";
import { overloaded, Pace } from "./pace";

// Group commit (ADR 0029): while commits are in flight, sends queue; the next commit takes
// every queued send it can (across chats, up to one transaction) and stores them with ONE
// Store.appendMessages. A chat is in at most one commit at a time, so its seqs are allocated,
// and its events handed to the publisher, in arrival order. Duplicates, non-members and
// counters moved by another replica are told by the transaction's conditions, never by a
// pre-read: the commit drops or refreshes what the store names and tries the rest again.
//
// Backpressure (ADR 0017) is kept: the queue is bounded per chat and in total, a send that
// cannot finish before its caller's deadline at the observed pace is refused at once with
// `unavailable` and a retry-after, and a send whose deadline passed while it waited is dropped
// before it is stored (nothing stored, no seq taken).

export interface CommitLimits {
  // Sends waiting or being committed, per chat and in total.
  maxPerChat: number;
  maxTotal: number;
  // Commits in flight at once. A second one starts only when the queue fills a whole
  // transaction, so under light load one commit takes everything that queued meanwhile.
  maxInFlight: number;
  budget?: BatchBudget;
  idempotencyTtlMs: number;
  // On a store that coalesces concurrent writes into one flush (Store.coalescesWrites), a
  // further commit starts with whatever is queued, without waiting for a full transaction: it
  // joins the flush the running commit waits for, or the next one, instead of waiting for the
  // running commit to end first (which costs a send up to two flush intervals).
  eager?: boolean;
}

export interface CommitOutcome {
  message: Message;
  duplicate: boolean;
}

interface Pending extends SendInput {
  bytes: number;
  // When the answer must be on its way: the caller's deadline less a reply margin.
  deadlineAtMs?: number;
  // The caller's own deadline.
  callerDeadlineAtMs?: number;
  resolve(o: CommitOutcome): void;
  reject(e: unknown): void;
}

// Rounds of one commit: each resolves at least one conflict, so a few suffice unless another
// replica keeps moving the same chat's counter; then the sends get `unavailable` and retry.
const MAX_ROUNDS = 5;
// Per send in the transaction beyond its body (twice: message and event): keys, ids, headers.
const SEND_OVERHEAD_BYTES = 1024;
// Commits run longer than the estimate on a busy machine: the checks made when a send's turn
// comes leave this much room, since refusing while the caller listens beats storing a send
// nobody waits for any more.
const TIME_MARGIN = 1.25;
// Without a commit ending for this long, the next send is tried whatever the estimate says.
const PROBE_AFTER_MS = 5000;
// An answer must reach the caller before its deadline, through a busy event loop and the
// network: a queued send is given up this share of the caller's time before its deadline (at
// most MAX_REPLY_MARGIN_MS), so the caller hears "overloaded, retry after" rather than timing
// out, which the gateway's breaker counts as ingest failing (ADR-009) and which then fails
// every user's sends fast for its cool-down.
const REPLY_MARGIN = 0.1;
const MAX_REPLY_MARGIN_MS = 1000;
// Sends of distinct chats and senders that fill a transaction (5 items each of 100).
const FULL_HINT = 20;

export class GroupCommitter {
  private queue: Pending[] = [];
  private readonly busy = new Set<string>();
  // Sends waiting or in a commit, per chat and in total.
  private readonly perChat = new Map<string, number>();
  private total = 0;
  private inFlight = 0;
  // Queue length when the queue was last planned.
  private plannedAt = 0;
  private lastCommitEndedAt = 0;
  // The last counter value this replica saw per chat (ADR 0029): the condition of the next
  // append. A chat that fell out is read again on its next send, and a stale value only costs
  // one rejected try (the store returns the current value).
  private readonly counters = new Lru<string, bigint>(100_000);
  private readonly pace = new Pace();
  private readonly idleWaiters: Array<() => void> = [];
  private pumpScheduled = false;
  // Eager: the last plan found only sends of chats already in a commit. Planning again on every
  // send would walk that queue each time; the next commit's end plans again anyway.
  private stalled = false;

  constructor(
    private readonly store: Store,
    private readonly limits: CommitLimits,
    // Receives each committed batch's outbox entries, in commit order.
    private readonly published: (entries: OutboxEntry[]) => void,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  load(): number {
    return this.total;
  }

  submit(send: SendInput, callerDeadlineAtMs?: number): Promise<CommitOutcome> {
    const deadlineAtMs = callerDeadlineAtMs === undefined ? undefined : callerDeadlineAtMs - Math.min(MAX_REPLY_MARGIN_MS, Math.max(0, REPLY_MARGIN * (callerDeadlineAtMs - this.now())));
    const chatAhead = this.perChat.get(send.chatId) ?? 0;
    if (chatAhead >= this.limits.maxPerChat) {
      return Promise.reject(overloaded(`${chatAhead} sends of this chat are already waiting`, this.pace.retryAfterMs(this.pace.expectedMs(chatAhead, this.total, true, this.limits.maxInFlight))));
    }
    if (this.total >= this.limits.maxTotal) {
      return Promise.reject(overloaded(`${this.total} sends are already waiting in this ingest replica`, this.pace.retryAfterMs(this.pace.expectedMs(0, this.total, false, this.limits.maxInFlight))));
    }
    // With nothing ahead a send is not refused here: its turn comes at once, and the check
    // made then (or a probe, see dropLate) decides.
    if (deadlineAtMs !== undefined && this.total > 0) {
      const expected = this.pace.expectedMs(chatAhead, this.total, this.busy.has(send.chatId), this.limits.maxInFlight);
      if (this.now() + expected > deadlineAtMs) {
        return Promise.reject(overloaded(`the send would not finish before its deadline (${this.total} waiting, ~${Math.round(expected)} ms expected)`, this.pace.retryAfterMs(expected)));
      }
    }
    return new Promise<CommitOutcome>((resolve, reject) => {
      this.perChat.set(send.chatId, chatAhead + 1);
      this.total++;
      const bytes = 2 * (Buffer.byteLength(send.body) + Buffer.byteLength(send.contentType)) + SEND_OVERHEAD_BYTES;
      this.queue.push({ ...send, bytes, deadlineAtMs, callerDeadlineAtMs, resolve: this.settled(send.chatId, resolve), reject: this.settled(send.chatId, reject) });
      // Planning walks the queue: while commits run, look again only every FULL_HINT new sends
      // (a further commit needs a whole transaction's worth anyway), not on every send.
      if (this.inFlight === 0 || (this.limits.eager && !this.stalled && this.inFlight < this.limits.maxInFlight) || this.queue.length - this.plannedAt >= FULL_HINT) this.schedulePump();
    });
  }

  // Resolves when every send submitted so far has been answered.
  idle(): Promise<void> {
    if (this.total === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private settled<A>(chatId: string, fn: (a: A) => void): (a: A) => void {
    return (a) => {
      const d = (this.perChat.get(chatId) ?? 1) - 1;
      if (d <= 0) this.perChat.delete(chatId);
      else this.perChat.set(chatId, d);
      this.total--;
      fn(a);
      if (this.total === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
  }

  // Planned once the current synchronous run is over (a microtask): the sends submitted
  // together (one PersistMessages call, the frames of one read) go in one commit rather than
  // the first alone and the others after it.
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  // Starts commits while there is room: the first whenever anything is queued, further ones
  // only with a full transaction's worth (eager: with whatever is queued for chats not in a commit).
  private pump(): void {
    this.plannedAt = this.queue.length;
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      this.dropLate();
      const now = this.now();
      const plan = planBatch(this.queue, this.busy, this.limits.budget ?? DEFAULT_BUDGET, (sends, earliest) => earliest === undefined || now + TIME_MARGIN * this.pace.commitMs(sends) <= earliest);
      if (plan.taken.size === 0) {
        this.stalled = this.inFlight > 0;
        return;
      }
      if (this.inFlight > 0 && !plan.full && !this.limits.eager) return;
      this.queue = this.queue.filter((p) => !plan.taken.has(p));
      this.plannedAt = this.queue.length;
      for (const chatId of plan.chats.keys()) this.busy.add(chatId);
      this.inFlight++;
      const started = this.now();
      const sends = plan.taken.size;
      const reads = { ms: 0 };
      void this.commit(plan.chats, plan.followers, reads).finally(() => {
        this.stalled = false;
        this.lastCommitEndedAt = this.now();
        // The pace is that of the commits themselves: a chat's counter is read once per replica
        // (its first send here), so those reads say nothing about the next commits.
        this.pace.observe(this.lastCommitEndedAt - started - reads.ms, sends);
        for (const chatId of plan.chats.keys()) this.busy.delete(chatId);
        this.inFlight--;
        this.pump();
      });
    }
  }

  // A send whose caller is gone, or about to be, is not stored: it is answered while the caller
  // still listens (sends of busy chats too: a queued send is never in a commit). One whose turn
  // comes too late to finish in time at the observed pace is told so too; that estimate is made
  // only for sends of chats that can go now, the others when their turn comes. When no commit
  // has ended for a while,
  // the first send goes anyway (a probe): an estimate left high by a slow spell would
  // otherwise refuse everything and never learn better.
  private dropLate(): void {
    const now = this.now();
    const commitMs = TIME_MARGIN * this.pace.commitMs();
    let head = now - this.lastCommitEndedAt >= PROBE_AFTER_MS;
    this.queue = this.queue.filter((p) => {
      if (p.deadlineAtMs === undefined) return true;
      if (now >= p.deadlineAtMs) {
        if (now >= (p.callerDeadlineAtMs ?? p.deadlineAtMs)) p.reject(new ChatError("deadline_exceeded", "the caller's deadline passed while the send waited; nothing was stored"));
        else p.reject(overloaded("the send waited until just before its deadline; nothing was stored", this.pace.retryAfterMs(commitMs)));
        return false;
      }
      if (this.busy.has(p.chatId)) return true;
      if (!head && now + commitMs > p.deadlineAtMs) {
        p.reject(overloaded("the send would not finish before its deadline", this.pace.retryAfterMs(commitMs)));
        return false;
      }
      head = false;
      return true;
    });
  }

  // `reads.ms` receives the time spent reading counters of chats new to this replica.
  private async commit(chats: Map<string, Pending[]>, followers: Map<Pending, Pending>, reads: { ms: number }): Promise<void> {
    const answers = new Map<Pending, Promise<CommitOutcome>>();
    const answer = (p: Pending, outcome: Promise<CommitOutcome>) => {
      answers.set(p, outcome);
      outcome.then(p.resolve, p.reject);
    };
    const traced = [...chats.values()].flat().find((p) => p.traceHeaders.traceparent);
    const run = () => this.commitRounds(chats, answer, reads);
    try {
      // The batch's store calls hang off the first traced send's span (the others' traces see
      // their own persist span; a batch span with links would need the tracer's API here).
      if (traced) await inSpan("ingest", "ingest.group_commit", { parent: contextFromHeaders(traced.traceHeaders), attributes: { "batch.sends": answersCount(chats) } }, run);
      else await run();
    } catch (e) {
      for (const list of chats.values()) for (const p of list) if (!answers.has(p)) answer(p, Promise.reject(e));
    }
    // Same key as a send in this batch: the leader's answer, as a duplicate.
    for (const [follower, leader] of followers) {
      const outcome = answers.get(leader) ?? Promise.reject(new ChatError("unavailable", "the send was not committed; retry"));
      answer(
        follower,
        outcome.then((o) => ({ message: o.message, duplicate: true })),
      );
    }
  }

  private async commitRounds(chats: Map<string, Pending[]>, answer: (p: Pending, o: Promise<CommitOutcome>) => void, reads: { ms: number }): Promise<void> {
    const remaining = new Map([...chats].map(([chatId, list]) => [chatId, [...list]]));
    // First use of a chat in this replica: read its counter once.
    const unknown = [...remaining.keys()].filter((c) => this.counters.get(c) === undefined);
    if (unknown.length > 0) {
      const readStart = this.now();
      await Promise.all(unknown.map(async (c) => this.counters.set(c, await this.store.currentSeq(c))));
      reads.ms = this.now() - readStart;
    }
    for (let round = 0; round < MAX_ROUNDS && remaining.size > 0; round++) {
      const createdAtMs = this.now();
      const appends: ChatAppend[] = [];
      const built = new Map<Pending, { message: Message; outbox: OutboxEntry }>();
      const bySeq = new Map<string, Pending>();
      for (const [chatId, list] of remaining) {
        const expectedSeq = this.counters.get(chatId) ?? 0n;
        const messages = list.map((p, i) => {
          const b = buildMessage(p, expectedSeq + BigInt(i + 1), createdAtMs);
          built.set(p, b);
          bySeq.set(`${chatId}#${b.message.seq}`, p);
          return { message: b.message, outbox: [b.outbox] };
        });
        appends.push({ chatId, expectedSeq, messages });
      }
      let result;
      const startedAt = this.now();
      try {
        result = await this.store.appendMessages({ chats: appends, idempotencyTtlMs: this.limits.idempotencyTtlMs });
        this.logger?.debug({ chats: appends.length, sends: built.size, round, ms: this.now() - startedAt, status: result.status }, "group commit");
      } catch (e) {
        this.logger?.debug({ chats: appends.length, sends: built.size, round, ms: this.now() - startedAt, err: e }, "group commit failed");
        // The outcome is unknown (a lost response may have committed): read the counters again
        // next time rather than trust them.
        for (const chatId of remaining.keys()) this.counters.delete(chatId);
        throw e;
      }
      if (result.status === "committed") {
        for (const a of appends) this.counters.set(a.chatId, a.messages[a.messages.length - 1].message.seq);
        // Handed over before the answers, so a graceful drain that waits for the answers finds
        // them queued for publication.
        this.published([...built.values()].map((b) => b.outbox));
        for (const [p, b] of built) answer(p, Promise.resolve({ message: b.message, duplicate: false }));
        return;
      }
      this.resolveConflicts(result.conflicts, remaining, bySeq, answer);
    }
    if (remaining.size > 0) throw new ChatError("unavailable", "the chat's sequence kept moving under concurrent writers; retry with the same client_message_id");
  }

  private resolveConflicts(conflicts: AppendConflict[], remaining: Map<string, Pending[]>, bySeq: Map<string, Pending>, answer: (p: Pending, o: Promise<CommitOutcome>) => void): void {
    const drop = (chatId: string, keep: (p: Pending) => boolean) => {
      const list = remaining.get(chatId)?.filter(keep) ?? [];
      if (list.length > 0) remaining.set(chatId, list);
      else remaining.delete(chatId);
    };
    for (const c of conflicts) {
      switch (c.kind) {
        case "counter_moved":
          this.logger?.debug({ chatId: c.chatId, currentSeq: String(c.currentSeq) }, "chat counter moved by another writer; retrying");
          this.counters.set(c.chatId, c.currentSeq);
          break;
        case "duplicate": {
          const p = bySeq.get(`${c.chatId}#${c.seq}`);
          if (!p) break;
          drop(c.chatId, (x) => x !== p);
          answer(p, this.original(c.chatId, c.existing));
          break;
        }
        case "not_member":
          for (const p of remaining.get(c.chatId) ?? []) {
            if (p.senderId === c.senderId) answer(p, Promise.reject(new ChatError("not_found", `chat ${c.chatId} not found`)));
          }
          drop(c.chatId, (x) => x.senderId !== c.senderId);
          break;
      }
    }
  }

  private async original(chatId: string, existing: IdempotencyRecord): Promise<CommitOutcome> {
    const m = await this.store.getMessage(chatId, existing.seq);
    if (!m) throw new ChatError("unavailable", "the original message is not readable yet; retry");
    return { message: m, duplicate: true };
  }
}

function answersCount(chats: Map<string, Pending[]>): number {
  let n = 0;
  for (const list of chats.values()) n += list.length;
  return n;
}
