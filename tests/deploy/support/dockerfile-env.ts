import { readFileSync } from "node:fs";
import { DockerfileParser } from "dockerfile-ast";
import { repoPath } from "./repo";

// The ENV of an image's last stage: what a container of it starts with before the orchestrator
// (compose, ECS) adds its own variables.
export function imageEnv(target: string): Record<string, string> {
  const df = DockerfileParser.parse(readFileSync(repoPath("docker", `${target}.Dockerfile`), "utf8"));
  const lastFrom = df.getFROMs().at(-1)!.getRange().start.line;
  const env: Record<string, string> = {};
  for (const e of df.getENVs()) {
    if (e.getRange().start.line < lastFrom) continue;
    for (const p of e.getProperties()) env[p.getName()] = p.getValue() ?? "";
  }
  return env;
}
