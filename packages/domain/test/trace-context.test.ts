import { isTraceparent, spanIdOf, traceIdOf } from "../src/trace-context";

test("a valid traceparent is recognised and split into trace id and span id", () => {
  const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  expect(isTraceparent(tp)).toBe(true);
  expect(traceIdOf(tp)).toBe("0af7651916cd43dd8448eb211c80319c");
  expect(spanIdOf(tp)).toBe("b7ad6b7169203331");
});

test.each([undefined, null, "", "garbage", "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", "01-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"])(
  "%p is not a valid traceparent",
  (v) => {
    expect(isTraceparent(v)).toBe(false);
  },
);
