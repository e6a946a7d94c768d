import { childTraceparent, isTraceparent, traceIdOf } from "../src/trace-context";

test("a child keeps the parent's trace id and gets a new span id", () => {
  const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const child = childTraceparent(parent);
  expect(isTraceparent(child)).toBe(true);
  expect(traceIdOf(child)).toBe("0af7651916cd43dd8448eb211c80319c");
  expect(child.slice(36, 52)).not.toBe("b7ad6b7169203331");
});

test.each([undefined, null, "", "garbage", "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", "01-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"])(
  "an invalid parent %p starts a new trace",
  (parent) => {
    expect(isTraceparent(parent)).toBe(false);
    const t = childTraceparent(parent);
    expect(isTraceparent(t)).toBe(true);
    expect(t).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  },
);
