import { CommanderError } from "commander";
import { CliError, EXIT } from "./exit-codes";
import { processIo } from "./io";
import { buildProgram } from "./program";

const abort = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => abort.abort());

const { program } = buildProgram(processIo, process.env, abort.signal);
let code: number = EXIT.ok;
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here too, with exit code 0; every other commander error is usage.
    code = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof CliError) {
    processIo.err(`chat: ${e.message}`);
    if (e.hint) processIo.err(`  ${e.hint}`);
    code = e.exitCode;
  } else {
    processIo.err(`chat: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    code = EXIT.internal;
  }
}
process.exitCode = code;
// Open sockets or timers of a finished command must not keep the process alive.
setImmediate(() => process.exit(code)).unref();
