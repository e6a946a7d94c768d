// Run by request-id.test.ts in a process of its own (jest installs async hooks of its own):
// prints whether promise hooks are installed at each step of a request's life.
import { executionAsyncId } from "node:async_hooks";
import { currentRequestId, withRequestId } from "../../src/request-id";

// Inside a promise callback the execution async id is 0 unless promise hooks are installed.
const hooked = () => new Promise<boolean>((resolve) => void Promise.resolve().then(() => resolve(executionAsyncId() !== 0)));
const turn = () => new Promise((r) => setImmediate(r));

const steps: Record<string, unknown> = { before: await hooked() };
let release!: () => void;
const held = new Promise<void>((r) => (release = r));
const a = withRequestId("req-a", async () => {
  await held;
  return currentRequestId();
});
steps.b = await withRequestId("req-b", async () => (await Promise.resolve(), currentRequestId()));
steps.whileAInFlight = await hooked();
release();
steps.a = await a;
await turn();
steps.afterBoth = await hooked();
steps.outside = currentRequestId() ?? null;

let end!: () => void;
const until = new Promise<void>((r) => (end = r));
let later: Promise<string | undefined> | undefined;
withRequestId("req-c", () => void (later = new Promise((r) => setTimeout(() => r(currentRequestId()), 5))), until);
steps.c = await later;
steps.whileCOpen = await hooked();
end();
await until;
await turn();
steps.afterC = await hooked();

try {
  withRequestId("req-d", () => {
    throw new Error("boom");
  });
} catch {
  steps.afterThrow = await hooked();
}
steps.e = await withRequestId("req-e", async () => (await Promise.resolve(), currentRequestId()));
await turn();
steps.afterE = await hooked();
process.stdout.write(JSON.stringify(steps));
