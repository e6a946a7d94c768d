import { DEAD_LETTER_HEADERS, TOPICS, partitionFor } from "@chat/domain";
import { withDeadLetters } from "../dead-letter";
import type { EventBatch, EventLog, SubscribeOptions, Subscription } from "../port";
import { Collector, eventually, record, textOf, uniqueName } from "./helpers";

export interface EventLogUnderTest {
  log: EventLog;
  cleanup(): Promise<void>;
}

// Group joins and rebalances take seconds on a real broker.
const TEST_TIMEOUT_MS = 120_000;

// The behaviour every EventLog adapter must show (see the contract in ../port.ts). Each adapter
// runs this suite unchanged, the embedded one in unit tests and Kafka in integration tests.
export function describeEventLogContract(name: string, factory: () => Promise<EventLogUnderTest>): void {
  describe(`EventLog contract: ${name}`, () => {
    let underTest: EventLogUnderTest | undefined;
    let subscriptions: Subscription[] = [];
    let collectors: Collector[] = [];

    beforeEach(async () => {
      underTest = await factory();
    });

    afterEach(async () => {
      try {
        await Promise.all(subscriptions.map((s) => s.stop()));
        await underTest?.log.close();
      } finally {
        await underTest?.cleanup();
        underTest = undefined;
        subscriptions = [];
        collectors = [];
      }
    });

    const log = (): EventLog => {
      if (!underTest) throw new Error("factory did not provide an event log");
      return underTest.log;
    };

    const newTopic = async (partitions: number): Promise<string> => {
      const topic = uniqueName("topic");
      await log().ensureTopics([{ name: topic, partitions }]);
      return topic;
    };

    const collector = (process?: (batch: EventBatch) => Promise<void>): Collector => {
      const c = new Collector(process);
      collectors.push(c);
      return c;
    };

    const subscribe = async (options: Omit<SubscribeOptions, "handleBatch">, c: { handleBatch: SubscribeOptions["handleBatch"] }): Promise<Subscription> => {
      const s = await log().subscribe({ ...options, handleBatch: c.handleBatch });
      subscriptions.push(s);
      return s;
    };

    const expectNoViolations = (): void => {
      expect(collectors.flatMap((c) => c.violations)).toEqual([]);
    };

    const owned = (s: Subscription, topic: string): number[] => s.assignment()[topic] ?? [];

    // Both members own some partitions, none twice, all of them together.
    const splitBetween = (members: Subscription[], topic: string, partitions: number): boolean => {
      const lists = members.map((m) => owned(m, topic));
      const all = lists.flat();
      return lists.every((l) => l.length > 0) && all.length === partitions && new Set(all).size === partitions;
    };

    it("ping resolves while the log is reachable", async () => {
      await expect(log().ping()).resolves.toBeUndefined();
    });

    it(
      "delivers each key's records in publish order, within and across publish calls",
      async () => {
        const topic = await newTopic(4);
        await log().ensureTopics([{ name: topic, partitions: 4 }]); // idempotent
        const keys = ["c_order_a", "c_order_b", "c_order_c", "c_order_d", "c_order_e"];
        for (let seq = 0; seq < 10; seq++) await log().publish(topic, keys.map((k) => record(k, `${k}#${seq}`)));
        const rest = Array.from({ length: 10 }, (_, i) => i + 10);
        await log().publish(topic, rest.flatMap((seq) => keys.map((k) => record(k, `${k}#${seq}`))));

        const c = collector();
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c);
        await eventually("all 100 records are handled", () => c.records.length >= 100);

        for (const k of keys) {
          const seqs = c.records.filter((r) => r.key === k).map((r) => Number(textOf(r).split("#")[1]));
          expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
        }
        expect(c.records).toHaveLength(100);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "places all records of a key on one partition, the one partitionFor names",
      async () => {
        const topic = await newTopic(8);
        const keys = Array.from({ length: 30 }, (_, i) => `c_place_${i}`);
        await log().publish(topic, keys.map((k) => record(k, `${k}#0`)));
        await log().publish(topic, keys.map((k) => record(k, `${k}#1`)));

        const c = collector();
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c);
        await eventually("all 60 records are handled", () => c.records.length >= 60);

        for (const r of c.records) expect(r.partition).toBe(partitionFor(r.key, 8));
        expect(new Set(c.records.map((r) => r.partition)).size).toBeGreaterThan(1);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "round-trips keys, binary values and string headers",
      async () => {
        const topic = await newTopic(2);
        const headers = {
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          tracestate: "chat=1",
          "x-unicode": "h\u00e9llo \u2713",
          "x-empty": "",
        };
        const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
        await log().publish(topic, [
          { key: "c_headers", value: binary, headers },
          { key: "c_headers", value: new Uint8Array() },
          { key: "c_\u65e5\u672c", value: binary },
        ]);

        const c = collector();
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c);
        await eventually("all 3 records are handled", () => c.records.length >= 3);

        const [withHeaders, empty] = c.records.filter((r) => r.key === "c_headers");
        expect(withHeaders.headers).toEqual(headers);
        expect(Array.from(withHeaders.value)).toEqual(Array.from(binary));
        expect(empty.headers).toEqual({});
        expect(empty.value).toHaveLength(0);
        const unicode = c.records.find((r) => r.key === "c_\u65e5\u672c");
        expect(unicode && Array.from(unicode.value)).toEqual(Array.from(binary));
        for (const r of c.records) expect(r.timestampMs).toBeGreaterThan(0);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "starts a new group at the end of the log unless fromBeginning is set",
      async () => {
        const topic = await newTopic(2);
        await log().publish(topic, [record("c_latest", "old")]);
        const c = collector();
        await subscribe({ groupId: uniqueName("group"), topics: [topic] }, c);
        await log().publish(topic, [record("c_latest", "new")]);
        await eventually("the new record is handled", () => c.records.length >= 1);
        expect(c.texts()).toEqual(["new"]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "splits partitions between the members of a group and hands each record to exactly one of them",
      async () => {
        const topic = await newTopic(6);
        const groupId = uniqueName("group");
        const c1 = collector();
        const c2 = collector();
        const m1 = await subscribe({ groupId, topics: [topic], fromBeginning: true }, c1);
        const m2 = await subscribe({ groupId, topics: [topic], fromBeginning: true }, c2);
        await eventually("the two members split the 6 partitions", () => splitBetween([m1, m2], topic, 6));

        const expected = Array.from({ length: 30 }, (_, i) => [`c_split_${i}#0`, `c_split_${i}#1`]).flat();
        await log().publish(topic, expected.map((t) => record(t.split("#")[0], t)));
        await eventually("all 60 records are handled", () => c1.records.length + c2.records.length >= 60);
        await eventually("both members have no lag", async () => (await m1.lag()) === 0 && (await m2.lag()) === 0);

        expect([...c1.texts(), ...c2.texts()].sort()).toEqual([...expected].sort());
        expect(c1.records.length).toBeGreaterThan(0);
        expect(c2.records.length).toBeGreaterThan(0);
        for (const r of c1.records) expect(owned(m1, topic)).toContain(r.partition);
        for (const r of c2.records) expect(owned(m2, topic)).toContain(r.partition);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "reports each member's partitions through onAssigned when it joins and at a rebalance",
      async () => {
        const topic = await newTopic(4);
        const groupId = uniqueName("group");
        const seen1: Array<Record<string, number[]>> = [];
        const seen2: Array<Record<string, number[]>> = [];
        const m1 = await log().subscribe({ groupId, topics: [topic], handleBatch: async () => {}, onAssigned: (a) => seen1.push(a) });
        subscriptions.push(m1);
        await eventually("the first member is told it owns all 4 partitions", () => seen1.some((a) => a[topic]?.length === 4));
        const m2 = await log().subscribe({ groupId, topics: [topic], handleBatch: async () => {}, onAssigned: (a) => seen2.push(a) });
        subscriptions.push(m2);
        await eventually("the two members split the 4 partitions", () => splitBetween([m1, m2], topic, 4));
        // The rebalance is reported to the member that was there first, with its new share.
        await eventually("both members are told their share", () => JSON.stringify(seen1.at(-1)) === JSON.stringify(m1.assignment()) && JSON.stringify(seen2.at(-1)) === JSON.stringify(m2.assignment()));
        expect(seen1.length).toBeGreaterThanOrEqual(2);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "delivers the records of a failed batch again and skips nothing after them",
      async () => {
        const topic = await newTopic(1);
        const texts = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `c_retry#${from + i}`);
        await log().publish(topic, texts(0, 10).map((t) => record("c_retry", t)));

        let failures = 0;
        let poisonSeen = 0;
        const c = collector(async (batch) => {
          if (!batch.records.some((r) => textOf(r) === "c_retry#5")) return;
          poisonSeen++;
          if (failures >= 2) return;
          failures++;
          // A TypeError first: adapters must not treat a handler's programming error as fatal.
          throw failures === 1 ? new TypeError("handler bug") : new Error("transient failure");
        });
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c);
        await eventually("the first 10 records are handled", () => c.records.length >= 10);
        await log().publish(topic, texts(10, 15).map((t) => record("c_retry", t)));
        await eventually("all 15 records are handled", () => c.records.length >= 15);

        expect(c.texts()).toEqual(texts(0, 15));
        expect(failures).toBe(2);
        expect(poisonSeen).toBe(3);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "hands a stopped member's partitions to the other member, which resumes from the committed offset",
      async () => {
        const topic = await newTopic(4);
        const groupId = uniqueName("group");
        const c1 = collector();
        const c2 = collector();
        const m1 = await subscribe({ groupId, topics: [topic], fromBeginning: true }, c1);
        const m2 = await subscribe({ groupId, topics: [topic], fromBeginning: true }, c2);
        await eventually("the two members split the 4 partitions", () => splitBetween([m1, m2], topic, 4));

        const phase = (name: string) => Array.from({ length: 20 }, (_, i) => [`c_takeover_${i}#${name}0`, `c_takeover_${i}#${name}1`]).flat();
        const first = phase("a");
        await log().publish(topic, first.map((t) => record(t.split("#")[0], t)));
        await eventually("the first 40 records are handled", () => c1.records.length + c2.records.length >= 40);
        expect(c1.records.length).toBeGreaterThan(0);

        // Published while m1 may still be fetching or handling them: stop() must finish what is
        // in flight and commit it, and m2 must pick up exactly where m1's commits end.
        const second = phase("b");
        await log().publish(topic, second.map((t) => record(t.split("#")[0], t)));
        await m1.stop();
        expect(m1.assignment()).toEqual({});
        await eventually("m2 owns all 4 partitions", () => owned(m2, topic).length === 4);
        const third = phase("c");
        await log().publish(topic, third.map((t) => record(t.split("#")[0], t)));

        const expected = [...first, ...second, ...third];
        const handled = () => new Set([...c1.texts(), ...c2.texts()]);
        await eventually("all 120 records are handled", () => expected.every((t) => handled().has(t)));
        const byM1 = new Set(c1.texts());
        expect(c2.texts().filter((t) => byM1.has(t))).toEqual([]);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "gives every record to each of two groups",
      async () => {
        const topic = await newTopic(3);
        const c1 = collector();
        const c2 = collector();
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c1);
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c2);
        const expected = Array.from({ length: 30 }, (_, i) => `c_groups_${i % 7}#${i}`);
        await log().publish(topic, expected.map((t) => record(t.split("#")[0], t)));

        await eventually("both groups handled 30 records", () => c1.records.length >= 30 && c2.records.length >= 30);
        expect(c1.texts().sort()).toEqual([...expected].sort());
        expect(c2.texts().sort()).toEqual([...expected].sort());
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "reports lag until the records are handled, then zero; healthy until stopped",
      async () => {
        const topic = await newTopic(2);
        await log().publish(topic, Array.from({ length: 10 }, (_, i) => record(`c_lag_${i % 3}`, `${i}`)));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const c = collector(() => gate);
        const s = await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, c);

        await eventually("lag counts all 10 unhandled records", async () => (await s.lag()) === 10);
        expect(s.healthy()).toBe(true);
        release();
        await eventually("all 10 records are handled", () => c.records.length >= 10);
        await eventually("lag is 0", async () => (await s.lag()) === 0);
        await s.stop();
        expect(s.healthy()).toBe(false);
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "moves a poison record to dead_letters with its provenance and goes on with the next record",
      async () => {
        const topic = await newTopic(2);
        await log().ensureTopics([TOPICS.deadLetters]);
        const key = "c_poison";
        const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        await log().publish(topic, [record(key, "ok0"), record(key, "poison", { traceparent }), record(key, "ok1"), record(key, "ok2")]);

        let poisonOffset: string | undefined;
        const handled: string[] = [];
        const handler = withDeadLetters(
          log(),
          async (batch) => {
            const poison = batch.records.find((r) => textOf(r) === "poison");
            if (poison) {
              poisonOffset = poison.offset;
              throw new Error("cannot handle poison");
            }
            handled.push(...batch.records.map(textOf));
          },
          { maxAttempts: 2, backoffMs: 10 },
        );
        await subscribe({ groupId: uniqueName("group"), topics: [topic], fromBeginning: true }, { handleBatch: handler });
        await eventually("the records around the poison are handled", () => handled.length >= 3);
        expect(handled).toEqual(["ok0", "ok1", "ok2"]);

        // dead_letters is shared by every test run; this run's letter is the one naming this topic.
        const letters = collector();
        await subscribe({ groupId: uniqueName("group"), topics: [TOPICS.deadLetters.name], fromBeginning: true }, letters);
        const ours = () => letters.records.filter((r) => r.headers[DEAD_LETTER_HEADERS.sourceTopic] === topic);
        await eventually("the dead letter arrives", () => ours().length >= 1);

        const [letter] = ours();
        expect(ours()).toHaveLength(1);
        expect(letter.key).toBe(key);
        expect(textOf(letter)).toBe("poison");
        expect(letter.partition).toBe(partitionFor(key, TOPICS.deadLetters.partitions));
        expect(letter.headers).toMatchObject({
          traceparent,
          [DEAD_LETTER_HEADERS.sourceTopic]: topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(partitionFor(key, 2)),
          [DEAD_LETTER_HEADERS.sourceOffset]: poisonOffset,
        });
        expect(letter.headers[DEAD_LETTER_HEADERS.error]).toContain("cannot handle poison");
        expectNoViolations();
      },
      TEST_TIMEOUT_MS,
    );
  });
}
