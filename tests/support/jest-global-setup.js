// Runs in jest's parent process, which writes the --json report with JSON.stringify: a failed
// assertion on bigint seqs (expected/received values in the report) would otherwise crash the
// report ("Do not know how to serialize a BigInt"), hiding that suite's failures from the
// totals .ci/run prints.
export default function globalSetup() {
  if (!("toJSON" in BigInt.prototype)) {
    Object.defineProperty(BigInt.prototype, "toJSON", { value() { return `${this.toString()}n`; }, configurable: true });
  }
}
