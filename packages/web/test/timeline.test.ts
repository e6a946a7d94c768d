import { describe, expect, test } from "vitest";
import { Timeline } from "../src/state/timeline";

const msg = (seq: number, body = `m${seq}`, clientMessageId = `c${seq}`) => ({ seq: BigInt(seq), clientMessageId, senderId: "alice", body });

describe("Timeline", () => {
  test("orders by seq and keeps each seq once, whatever the arrival order", () => {
    const t = new Timeline();
    for (const s of [3, 1, 2, 3, 1]) t.add(msg(s));
    expect(t.list().map((m) => m.seq)).toEqual([1n, 2n, 3n]);
    expect(t.add(msg(2))).toBe(false);
    expect(t.lastSeq).toBe(3n);
  });

  test("an own send is pending until its message arrives, then shown once at its seq", () => {
    const t = new Timeline();
    t.add(msg(1));
    t.addPending("mine", "bob", "hello");
    expect(t.list().map((m) => m.status)).toEqual(["stored", "pending"]);
    t.add({ seq: 2n, clientMessageId: "mine", senderId: "bob", body: "hello" });
    expect(t.list().map((m) => [m.seq, m.status])).toEqual([
      [1n, "stored"],
      [2n, "stored"],
    ]);
  });

  test("a refused send stays visible with its error until dismissed", () => {
    const t = new Timeline();
    t.addPending("x", "bob", "too big");
    t.fail("x", "message_too_large");
    expect(t.list()[0]).toMatchObject({ status: "failed", error: "message_too_large", body: "too big" });
    t.dismiss("x");
    expect(t.list()).toEqual([]);
  });

  test("tracks the oldest loaded seq and whether the start of the chat is shown", () => {
    const t = new Timeline();
    t.add(msg(40));
    t.add(msg(21));
    expect(t.oldestSeq).toBe(21n);
    expect(t.reachedStart).toBe(false);
    t.add(msg(1));
    expect(t.reachedStart).toBe(true);
  });
});
