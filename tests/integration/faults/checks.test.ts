import type { Store } from "@chat/store";
import type { Arrival } from "../../support/chat-client";
import { checkChats } from "./support/checks";
import type { Load, SentRecord } from "./support/load";

// The fault suite's checks must catch what they claim to: each broken guarantee below, built by
// hand, is reported (a checker that never fails would let every scenario pass).
type Msg = { seq: number; cmid: string; sender: string };

function world(opts: { stored: Msg[]; currentSeq?: number; acked: Msg[]; views: Record<string, number[]>; pushes?: Record<string, number[]> }) {
  const chatId = "c1";
  const id = (seq: number, cmid: string) => `id-${seq}-${cmid}`;
  const store = {
    async listMessages(_c: string, r: { afterSeq?: bigint; limit: number }) {
      return opts.stored
        .filter((m) => BigInt(m.seq) > (r.afterSeq ?? 0n))
        .slice(0, r.limit)
        .map((m) => ({ seq: BigInt(m.seq), messageId: id(m.seq, m.cmid), senderId: m.sender, clientMessageId: m.cmid }));
    },
    async currentSeq() {
      return BigInt(opts.currentSeq ?? Math.max(0, ...opts.stored.map((m) => m.seq)));
    },
  } as unknown as Store;
  const byCmidSeq = new Map(opts.stored.map((m) => [m.seq, m]));
  const clients = Object.entries(opts.views).map(([user, seqs]) => {
    const view = new Map<number, Arrival>();
    for (const seq of seqs) {
      const m = byCmidSeq.get(seq)!;
      view.set(seq, { seq, at: 0, via: "live", messageId: id(seq, m.cmid), senderId: m.sender, clientMessageId: m.cmid });
    }
    return { user, views: new Map([[chatId, view]]), pushOrder: new Map([[`1/${chatId}`, opts.pushes?.[user] ?? seqs]]) };
  });
  const sent: SentRecord[] = opts.acked.map((m) => ({ chatId, sender: m.sender, clientMessageId: m.cmid, body: "", firstAttemptAt: 0, seq: m.seq, messageId: id(m.seq, m.cmid) }));
  const load = { chats: [{ chatId, members: Object.keys(opts.views) }], clients, sent, acked: () => sent } as unknown as Load;
  return { load, store };
}

const three: Msg[] = [1, 2, 3].map((seq) => ({ seq, cmid: `m${seq}`, sender: "a" }));

test("a consistent run has no violations; a seq allocated but never stored is counted as a hole", async () => {
  const { load, store } = world({ stored: three, currentSeq: 4, acked: three, views: { a: [1, 2, 3], b: [1, 2, 3] } });
  const r = await checkChats(load, store);
  expect(r.violations).toEqual([]);
  expect(r).toMatchObject({ acked: 3, deliveredLive: 6, recoveredBySync: 0, holes: 1 });
});

test("each broken guarantee is reported", async () => {
  const cases: Array<[string, Parameters<typeof world>[0], RegExp]> = [
    ["acknowledged but not stored", { stored: three.slice(0, 2), currentSeq: 3, acked: three, views: { a: [1, 2] } }, /acknowledged seq 3 .* missing from the store/],
    ["missing from a member's view after sync", { stored: three, acked: three, views: { a: [1, 2, 3], b: [1, 3] } }, /b lacks seq 2/],
    ["a duplicate push", { stored: three, acked: three, views: { a: [1, 2, 3] }, pushes: { a: [1, 2, 2, 3] } }, /not strictly increasing/],
    ["a reordered push", { stored: three, acked: three, views: { a: [1, 2, 3] }, pushes: { a: [1, 3, 2] } }, /not strictly increasing/],
    ["one client_message_id acknowledged with two seqs", { stored: three, acked: [...three, { seq: 3, cmid: "m1", sender: "a" }], views: { a: [1, 2, 3] } }, /m1 acknowledged with seqs 1 and 3/],
    ["one client_message_id stored twice", { stored: [...three, { seq: 4, cmid: "m2", sender: "a" }], acked: three, views: { a: [1, 2, 3, 4] } }, /m2 stored at seqs 2 and 4/],
  ];
  for (const [what, w, expected] of cases) {
    const { load, store } = world(w);
    const r = await checkChats(load, store);
    expect({ what, found: r.violations.some((v) => expected.test(v)) }).toEqual({ what, found: true });
  }
});
