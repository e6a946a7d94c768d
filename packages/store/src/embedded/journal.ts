import { createReadStream, createWriteStream, mkdirSync, existsSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

// Append-only JSON-lines journal. Every mutation of the embedded store is one line; the state
// is rebuilt by replaying the file at start. A write resolves once the line has been handed to
// the OS (survives a process crash; not fsync'ed, so not a power loss: this is the dev store).
export class Journal {
  private stream?: WriteStream;

  constructor(private readonly dir: string) {}

  get path(): string {
    return join(this.dir, "journal.jsonl");
  }

  async replay(apply: (op: unknown) => void): Promise<number> {
    mkdirSync(this.dir, { recursive: true });
    if (!existsSync(this.path)) return 0;
    let n = 0;
    const lines = createInterface({ input: createReadStream(this.path, "utf8"), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      try {
        apply(JSON.parse(line));
        n++;
      } catch {
        // A torn last line from a crash mid-write: everything before it was acknowledged and
        // is kept; the torn write was never acknowledged.
        break;
      }
    }
    return n;
  }

  append(op: unknown): Promise<void> {
    this.stream ??= createWriteStream(this.path, { flags: "a" });
    const line = JSON.stringify(op) + "\n";
    return new Promise((resolve, reject) => this.stream!.write(line, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((resolve) => s.end(resolve));
  }
}
