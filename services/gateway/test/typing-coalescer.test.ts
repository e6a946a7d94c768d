import { TypingCoalescer, type Clock } from "../src/limits/typing-coalescer";

// A manual clock: time moves only when the test says so.
class ManualClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void } | undefined> = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => this.timers.push({ at: this.t + ms, fn }) - 1;
  clearTimeout = (h: unknown) => void (this.timers[h as number] = undefined);
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.map((x, i) => [x, i] as const).filter(([x]) => x && x.at <= end).sort(([a], [b]) => a!.at - b!.at)[0];
      if (!due) break;
      this.timers[due[1]] = undefined;
      this.t = due[0]!.at;
      due[0]!.fn();
    }
    this.t = end;
  }
}

let clock: ManualClock;
beforeEach(() => (clock = new ManualClock()));

test("a burst of typing frames relays the first at once and at most one per interval after", () => {
  const relayed: Array<[string, string, boolean, number]> = [];
  const c = new TypingCoalescer(1000, (u, chat, active) => relayed.push([u, chat, active, clock.now()]), clock);
  for (let i = 0; i < 5000; i++) c.offer("alice", "c1", true);
  expect(relayed).toEqual([["alice", "c1", true, 1_000_000]]);
  // The same state again at the end of the interval is not news.
  clock.advance(1000);
  expect(relayed).toHaveLength(1);
  c.stop();
});

test("a change within the interval (stopped typing) goes out when the interval ends", () => {
  const relayed: boolean[] = [];
  const c = new TypingCoalescer(1000, (_u, _c, active) => relayed.push(active), clock);
  c.offer("alice", "c1", true);
  clock.advance(200);
  c.offer("alice", "c1", true);
  c.offer("alice", "c1", false);
  expect(relayed).toEqual([true]);
  clock.advance(799);
  expect(relayed).toEqual([true]);
  clock.advance(1);
  expect(relayed).toEqual([true, false]);
  // Right after the trailing relay the next interval starts: held again.
  c.offer("alice", "c1", true);
  expect(relayed).toEqual([true, false]);
  clock.advance(1000);
  expect(relayed).toEqual([true, false, true]);
  c.stop();
});

test("users and chats are coalesced separately", () => {
  const relayed: string[] = [];
  const c = new TypingCoalescer(1000, (u, chat) => relayed.push(`${u}/${chat}`), clock);
  c.offer("alice", "c1", true);
  c.offer("alice", "c2", true);
  c.offer("bob", "c1", true);
  c.offer("alice", "c1", true);
  expect(relayed).toEqual(["alice/c1", "alice/c2", "bob/c1"]);
  clock.advance(1000);
  c.offer("alice", "c1", true);
  expect(relayed).toEqual(["alice/c1", "alice/c2", "bob/c1", "alice/c1"]);
  c.stop();
});
