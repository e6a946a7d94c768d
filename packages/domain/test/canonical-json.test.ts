import { canonicalJson } from "../src/messages/canonical-json";

describe("canonicalJson", () => {
  it("sorts object keys and emits no whitespace", () => {
    expect(canonicalJson({ b: 1, a: 2, c: "x" })).toBe('{"a":2,"b":1,"c":"x"}');
  });

  it("gives the same output whatever the key insertion order", () => {
    const a = { seq: "1", body: "hi", chat_id: "c1", nested: { z: true, y: false } };
    const b = { nested: { y: false, z: true }, chat_id: "c1", body: "hi", seq: "1" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it("sorts keys by UTF-16 code unit like RFC 8785 (uppercase before lowercase, underscore between)", () => {
    expect(canonicalJson({ b: 1, B: 2, _: 3, a: 4, "10": 5, "9": 6 })).toBe('{"10":5,"9":6,"B":2,"_":3,"a":4,"b":1}');
  });

  it("sorts nested objects recursively and keeps array order", () => {
    expect(canonicalJson({ z: [{ d: 1, c: 2 }, 3, "s"], a: { y: { q: 1, p: 2 }, x: null } })).toBe(
      '{"a":{"x":null,"y":{"p":2,"q":1}},"z":[{"c":2,"d":1},3,"s"]}',
    );
  });

  it("drops properties whose value is undefined, at every depth, but keeps null", () => {
    expect(canonicalJson({ a: undefined, b: null, c: { d: undefined, e: 1 } })).toBe('{"b":null,"c":{"e":1}}');
  });

  it("encodes scalars as JSON", () => {
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson(true)).toBe("true");
    expect(canonicalJson(false)).toBe("false");
    expect(canonicalJson(0)).toBe("0");
    expect(canonicalJson(-42)).toBe("-42");
    expect(canonicalJson(Number.MAX_SAFE_INTEGER)).toBe("9007199254740991");
    expect(canonicalJson(Number.MIN_SAFE_INTEGER)).toBe("-9007199254740991");
    expect(canonicalJson("")).toBe('""');
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson({})).toBe("{}");
  });

  it.each([
    ["2^53", 2 ** 53],
    ["a fraction", 1.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
  ])("rejects a non-safe-integer number (%s), also when nested", (_name, n) => {
    expect(() => canonicalJson(n)).toThrow(TypeError);
    expect(() => canonicalJson({ a: { b: [n] } })).toThrow(/safe integers/);
  });

  it("escapes strings exactly like JSON.stringify: quotes, backslash, control characters", () => {
    expect(canonicalJson('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(canonicalJson("line\nbreak\ttab\r\b\f")).toBe('"line\\nbreak\\ttab\\r\\b\\f"');
    expect(canonicalJson("\u0000\u001f")).toBe('"\\u0000\\u001f"');
  });

  it("keeps non-ASCII characters literal (no \\u escaping) so output is stable across runtimes", () => {
    expect(canonicalJson("Grüße 日本 😀")).toBe('"Grüße 日本 😀"');
    expect(canonicalJson("\u2028\u2029")).toBe('"\u2028\u2029"');
    expect(canonicalJson({ "ключ": "значение" })).toBe('{"ключ":"значение"}');
  });

  it("escapes lone surrogates (well-formed output)", () => {
    expect(canonicalJson("\ud800")).toBe('"\\ud800"');
    expect(canonicalJson("x\udfffy")).toBe('"x\\udfffy"');
  });

  it("escapes keys the same way as values", () => {
    expect(canonicalJson({ 'k"\n': 1 })).toBe('{"k\\"\\n":1}');
  });

  it("is the same as JSON.stringify with sorted keys for plain data", () => {
    const value = { msg: "hé\"llo\u0001", n: 12, list: [true, null, { b: "2", a: "1" }], o: { y: -1, x: "" } };
    const sortedStringify = (v: unknown): string =>
      JSON.stringify(v, (_k, val) =>
        val && typeof val === "object" && !Array.isArray(val)
          ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : val,
      );
    expect(canonicalJson(value)).toBe(sortedStringify(value));
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  // JSON.stringify writes `null` for an undefined array element; canonicalJson must at least
  // produce valid JSON (today it produces "[1,]").
  it("produces valid JSON for an array holding undefined", () => {
    const out = canonicalJson([1, undefined, 2]);
    expect(() => JSON.parse(out)).not.toThrow();
    expect(out).toBe("[1,null,2]");
  });
});
