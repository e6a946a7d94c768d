import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { envSchema } from "../src";

describe("docs/operations.md", () => {
  it("lists every variable of the config schema in its variable table", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../../docs/operations.md"), "utf8");
    // A row's first cell names one variable or several ("`CHAT_X` / `CHAT_USER_X`").
    const firstCells = [...doc.matchAll(/^\| ([^|]*`CHAT_[^|]*)\|/gm)].map((m) => m[1]);
    const documented = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`(CHAT_[A-Z0-9_]+)`/g)].map((m) => m[1])));
    const missing = Object.keys(envSchema.shape).filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
    expect(documented.size).toBeGreaterThan(50);
  });
});
