import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { createLogger, currentRequestId, requestIdFrom, withRequestId } from "../src";

const run = promisify(execFile);

describe("request ids", () => {
  it("keeps an incoming id that looks like one and replaces anything else", () => {
    expect(requestIdFrom("abc-123")).toBe("abc-123");
    expect(requestIdFrom(["Root=1-67891233-abcdef012345678912345678"])).toBe("Root=1-67891233-abcdef012345678912345678");
    for (const bad of [undefined, null, "", "has space", "line\nbreak", "x".repeat(129), '{"json":1}']) expect(requestIdFrom(bad)).toMatch(/^req_[0-9a-f-]{36}$/);
  });

  it("puts the id of the request being served on every log line written while it runs, across awaits", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(...chunk.toString().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
        done();
      },
    });
    const log = createLogger("test", "info", sink);
    await withRequestId("req-1", async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentRequestId()).toBe("req-1");
      log.info("inside");
    });
    log.info("outside");
    expect(lines.find((l) => l.msg === "inside")).toMatchObject({ requestId: "req-1", service: "test" });
    expect(lines.find((l) => l.msg === "outside")).not.toHaveProperty("requestId");
  });
});

// Node 20: an enabled AsyncLocalStorage installs promise hooks that slow every await in the
// process; the storage must not stay enabled once no request runs. Checked in a process of its
// own: jest installs async hooks of its own.
describe("the request id storage outside requests", () => {
  it("is enabled only while a request is in flight", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "support/request-id-hooks-child.ts")]);
    expect(JSON.parse(stdout)).toEqual({
      before: false,
      b: "req-b",
      whileAInFlight: true,
      a: "req-a",
      afterBoth: false,
      outside: null,
      c: "req-c",
      whileCOpen: true,
      afterC: false,
      afterThrow: false,
      e: "req-e",
      afterE: false,
    });
  });
});
