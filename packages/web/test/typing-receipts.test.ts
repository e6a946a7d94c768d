import { describe, expect, test } from "vitest";
import { Receipts } from "../src/state/receipts";
import { TypingTracker, typingText } from "../src/state/typing";

describe("TypingTracker", () => {
  test("an indicator lapses after the ttl unless refreshed, and stops on active=false", () => {
    const t = new TypingTracker(1000);
    t.set("c", "alice", true, 0);
    t.set("c", "bob", true, 500);
    expect(t.active("c", 900)).toEqual(["alice", "bob"]);
    expect(t.active("c", 1200)).toEqual(["bob"]);
    t.set("c", "bob", false, 1300);
    expect(t.active("c", 1300)).toEqual([]);
    expect(t.active("other", 0)).toEqual([]);
  });

  test("text for one, two and many", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["alice"])).toBe("alice is typing…");
    expect(typingText(["alice", "bob"])).toBe("alice and bob are typing…");
    expect(typingText(["a", "b", "c"])).toBe("3 people are typing…");
  });
});

describe("Receipts", () => {
  test("positions only move forward; readers of a seq exclude the sender", () => {
    const r = new Receipts();
    r.update("bob", 5n, 3n);
    r.update("bob", 4n, 2n);
    r.update("alice", 9n, 9n);
    expect(r.readers(3n, "alice")).toEqual(["bob"]);
    expect(r.readers(4n, "alice")).toEqual([]);
    expect(r.deliveredTo(5n, "alice")).toEqual(["bob"]);
  });
});
