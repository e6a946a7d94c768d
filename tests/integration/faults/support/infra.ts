import { spawn } from "node:child_process";
import { resolve } from "node:path";

const INFRA = resolve(import.meta.dirname, "../../../../scripts/infra");

// Runs one of the scripts/infra commands against this run's servers (CHAT_INFRA_RUN, exported
// by scripts/with-infra.sh), e.g. infra("kafka", "suspend").
export function infra(component: "kafka" | "redis" | "dynamodb", command: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn("bash", [`${INFRA}/${component}.sh`, command], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    child.once("error", rej);
    child.once("exit", (code) => (code === 0 ? res() : rej(new Error(`${component}.sh ${command} exited ${code}:\n${err}`))));
  });
}
