import { ExpirySweep } from "../src/connection/expiry-sweep";

test("the shared sweep expires exactly the connections whose token expired, once, and forgets removed ones", () => {
  let now = 1_000;
  const sweep = new ExpirySweep(() => now);
  const expired: string[] = [];
  const conn = (name: string) => ({ expire: () => expired.push(name) });
  const [a, b, c] = [conn("a"), conn("b"), conn("c")];
  sweep.add(a, 1_500);
  sweep.add(b, 3_000);
  sweep.add(c, 1_200);
  sweep.delete(c);
  sweep.sweep();
  expect(expired).toEqual([]);
  now = 1_500;
  sweep.sweep();
  sweep.sweep();
  expect(expired).toEqual(["a"]);
  expect(sweep.size).toBe(1);
  now = 10_000;
  sweep.sweep();
  expect(expired).toEqual(["a", "b"]);
  expect(sweep.size).toBe(0);
  sweep.stop();
});
