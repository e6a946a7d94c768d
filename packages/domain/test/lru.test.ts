import { Lru } from "../src/collections/lru";

describe("Lru", () => {
  it("drops the least recently used entry past its capacity; a read counts as a use", () => {
    const lru = new Lru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe(1);
    expect(lru.get("c")).toBe(3);
    expect(lru.size).toBe(2);
  });

  it("overwrites in place, deletes and clears", () => {
    const lru = new Lru<string, number>(2);
    lru.set("a", 1);
    lru.set("a", 2);
    expect(lru.size).toBe(1);
    expect(lru.get("a")).toBe(2);
    lru.delete("a");
    expect(lru.get("a")).toBeUndefined();
    lru.set("b", 1);
    lru.clear();
    expect(lru.size).toBe(0);
  });
});
