import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runToEnd } from "./support/processes";
import { ROOT, repoPath } from "./support/repo";

// The contract guard: `buf breaking` with the rules of proto/buf.yaml must refuse a wire change.
// The test breaks a copy of proto/ on purpose and compares it with an untouched copy (no git
// needed), then runs `make proto-breaking`'s script against main as CI does.

const BUF = repoPath("node_modules/.bin/buf");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chat-proto-breaking-"));
  cpSync(repoPath("proto"), join(dir, "base"), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fresh copy of proto/ with one edit applied to one file.
function edited(name: string, file: string, edit: (text: string) => string): string {
  const head = join(dir, name);
  cpSync(join(dir, "base"), head, { recursive: true });
  const path = join(head, file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
  return head;
}

const breaking = (head: string) => runToEnd(BUF, ["breaking", head, "--against", join(dir, "base")], { cwd: dir, env: process.env });

test("proto/buf.yaml checks breaking changes with the FILE rule set (ADR 0013)", () => {
  const config = parse(readFileSync(repoPath("proto/buf.yaml"), "utf8")) as { breaking: { use: string[] } };
  expect(config.breaking.use).toEqual(["FILE"]);
});

test("an unchanged copy passes, and so does a new field (an additive change)", async () => {
  expect((await breaking(join(dir, "base"))).code).toBe(0);
  const added = edited("added", "messaging/v1/common.proto", (t) => t.replace("  google.protobuf.Timestamp created_at = 8;\n}", "  google.protobuf.Timestamp created_at = 8;\n  string reply_to = 9;\n}"));
  const r = await breaking(added);
  expect({ code: r.code, output: r.output }).toEqual({ code: 0, output: "" });
});

test("renumbering a field of a Kafka payload is caught", async () => {
  const head = edited("renumbered", "messaging/v1/common.proto", (t) => t.replace("  string body = 6;", "  string body = 9;"));
  const r = await breaking(head);
  expect(r.code).toBe(100);
  expect(r.output).toMatch(/messaging\/v1\/common\.proto:.*"body"/);
});

test("changing a field's type is caught", async () => {
  const head = edited("retyped", "messaging/v1/common.proto", (t) => t.replace("  uint64 seq = 2;", "  int64 seq = 2;"));
  const r = await breaking(head);
  expect(r.code).toBe(100);
  expect(r.output).toMatch(/"seq".*type/);
});

test("renaming a field (its JSON name is the WebSocket and REST wire) is caught", async () => {
  const head = edited("renamed", "messaging/v1/events.proto", (t) => t.replace("  string actor_id = 5;", "  string actor = 5;"));
  const r = await breaking(head);
  expect(r.code).toBe(100);
  expect(r.output).toMatch(/actor_id/);
});

test("make proto-breaking's script compares the working tree with where it left main, and passes", async () => {
  const r = await runToEnd("bash", ["scripts/proto-breaking.sh"], { cwd: ROOT, env: process.env });
  expect({ code: r.code, output: r.output }).toEqual({ code: 0, output: expect.stringMatching(/^buf breaking proto\/ against (main|origin\/main) \(merge base [0-9a-f]{12}\) \(rules: FILE\)\n$/) });
});
