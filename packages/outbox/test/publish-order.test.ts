import type { OutboxEntry } from "@chat/store";
import { publishPlan } from "../src";

const e = (id: string, topic: string, key: string, seq?: number): OutboxEntry => ({
  id,
  topic,
  key,
  payload: new Uint8Array(),
  createdAtMs: 0,
  ...(seq === undefined ? {} : { seq: BigInt(seq) }),
});

test("one group per topic; a chat's entries in seq order; chats in order of first appearance", () => {
  const plan = publishPlan([e("1", "m", "b", 2), e("2", "m", "a", 5), e("3", "c", "a"), e("4", "m", "b", 1), e("5", "m", "a", 4), e("6", "c", "b")]);
  expect(plan.map((p) => [p.topic, p.entries.map((x) => x.id)])).toEqual([
    ["m", ["4", "1", "5", "2"]],
    ["c", ["3", "6"]],
  ]);
});

test("entries without a seq keep the order they were listed in", () => {
  const plan = publishPlan([e("1", "c", "a"), e("2", "c", "a"), e("3", "c", "a")]);
  expect(plan[0].entries.map((x) => x.id)).toEqual(["1", "2", "3"]);
});

test("an empty batch publishes nothing", () => {
  expect(publishPlan([])).toEqual([]);
});
