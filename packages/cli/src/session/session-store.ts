import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, EXIT } from "../exit-codes";
import { sessionSchema, type Session } from "./session";

// The session file holds bearer and refresh tokens: the directory is 0700 and the file 0600,
// written to a temporary file first so a crash never leaves half a token behind.
export class SessionStore {
  readonly path: string;
  constructor(readonly dir: string) {
    this.path = join(dir, "session.json");
  }

  read(): Session | undefined {
    let raw: string;
    try {
      raw = readFileSync(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const session = sessionSchema.safeParse(parsed);
    if (!session.success) throw new CliError(EXIT.auth, `the stored session ${this.path} is unreadable`, "run: chat login");
    return session.data;
  }

  require(): Session {
    const s = this.read();
    if (!s) throw new CliError(EXIT.auth, "not logged in", "run: chat login");
    return s;
  }

  write(session: Session): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(sessionSchema.parse(session), null, 2) + "\n", { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  remove(): boolean {
    const had = existsSync(this.path);
    rmSync(this.path, { force: true });
    return had;
  }
}
